/* kilotrain firmware library: the product-facing calls over the generated model and kt_store (see kt_lib.h). */
#include "kt_lib.h"

static kt_stats kt_lib_stats;

int kt_init(const kt_flash *flash) {
    kt_stats fresh = {0u, 0u, 0.0f};
    kt_lib_stats = fresh;
    if (flash == NULL) {
        return KT_STORE_OK;
    }
    return kt_store_restore(flash, &kt_lib_stats, NULL);
}

float kt_learn(const int8_t *input, kt_target_t target) {
    float loss = kt_train_step(input, target);
    if (KT_TARGET_OK(target)) {
        kt_lib_stats.samples++;
        kt_lib_stats.steps++;
        kt_lib_stats.last_loss = loss;
    }
    return loss;
}

int kt_save(const kt_flash *flash) {
    return kt_store_save(flash, &kt_lib_stats, NULL);
}

const kt_stats *kt_statistics(void) {
    return &kt_lib_stats;
}

uint32_t kt_model_fingerprint(void) {
    return (uint32_t)KT_MODEL_FINGERPRINT;
}

const char *kt_library_version(void) {
    return KT_LIB_VERSION;
}
