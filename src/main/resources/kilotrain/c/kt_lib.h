/*
 * kilotrain firmware library: the API a product calls. One model, compiled in (kt_model.h); no heap, no startup code,
 * no I/O; all memory static and planned at compile time (see README.md for the figures of this model).
 *
 *   kt_init(flash)          start: the parameters of the flash image, or the last state saved through `flash`
 *   kt_predict(x, logits)   inference (kt_model.h); returns the class
 *   kt_learn(x, label)      learn from one labelled sample: forward, loss, backward and the device's update rules
 *                           (batch 1: one update per sample); returns the loss
 *   kt_save(flash)          keep what was learned: power-loss-safe A/B save (kt_store.h)
 *   kt_statistics()         samples learned, updates, last loss (saved and restored with the parameters)
 *   kt_model_fingerprint(), kt_library_version()
 */
#ifndef KT_LIB_H
#define KT_LIB_H

#include "kt_model.h"
#include "kt_store.h"

#define KT_LIB_VERSION "kilotrain-lib 1 (state format 1)"

/* Statistics are reset; with flash != NULL the newest valid state of this model is loaded. Returns KT_STORE_OK,
 * or why the image's parameters are used instead: KT_STORE_EMPTY (nothing saved yet), KT_STORE_WRONG_MODEL,
 * KT_STORE_WRONG_VERSION (a state of another firmware: refused, the flash is left as it is until the next save),
 * KT_STORE_FLASH_ERROR, KT_STORE_BAD_CONFIG. Without flash, KT_STORE_OK. */
int kt_init(const kt_flash *flash);

/* One sample with the target its task needs (kt_target_t, kt_model.h): a class label in [0, KT_CLASSES), a 0/1
 * label (KT_BINARY), KT_CLASSES float targets (KT_TARGET_FLOAT) or int8 targets (KT_TARGET_INT8) of a regression, the
 * input itself for an autoencoder (KT_TARGET_INPUT: kt_learn(x, x)). One training step; NaN and nothing learned when
 * !KT_TARGET_OK(target). */
float kt_learn(const int8_t *input, kt_target_t target);

/* Saves parameters and statistics; KT_STORE_OK or a negative kt_store status (the previous state is kept). */
int kt_save(const kt_flash *flash);

const kt_stats *kt_statistics(void);
uint32_t kt_model_fingerprint(void);
const char *kt_library_version(void);

#endif
