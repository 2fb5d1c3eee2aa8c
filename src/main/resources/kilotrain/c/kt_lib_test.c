/*
 * The smallest firmware using the library: a RAM array as its flash, init from it (nothing saved yet), learn one
 * sample, save, init again (a reboot) and check that the statistics and parameters came back; fingerprint and
 * version. Linked against libkilotrain-host.a (run) and libkilotrain.a for the core (linked). Exits 0 when all holds.
 */
#include "kt_lib.h"

#include <string.h>

#define SECTOR 1024u
#define SLOT ((KT_PARAMS_BYTES + 64u + SECTOR - 1u) / SECTOR * SECTOR)
static uint8_t flash_mem[2u * SLOT];
static int8_t sample[KT_INPUT_BYTES];
static uint8_t before[KT_PARAMS_BYTES], after[KT_PARAMS_BYTES];

static int rd(void *c, uint32_t a, uint8_t *b, uint32_t n) {
    (void)c;
    memcpy(b, flash_mem + a, n);
    return 0;
}

static int er(void *c, uint32_t a) {
    (void)c;
    memset(flash_mem + a, 0xFF, SECTOR);
    return 0;
}

static int pr(void *c, uint32_t a, const uint8_t *b, uint32_t n) {
    (void)c;
    for (uint32_t i = 0; i < n; i++) {
        flash_mem[a + i] &= b[i];
    }
    return 0;
}

/* a target of the model's task (kt_target_t): a label, a target vector, or the input itself */
#if defined(KT_TARGET_FLOAT)
static float target_vec[KT_CLASSES];
#define KT_TEST_TARGET(k) ((const float *)target_vec)
#elif defined(KT_TARGET_INT8)
static int8_t target_vec[KT_CLASSES];
#define KT_TEST_TARGET(k) ((const int8_t *)target_vec)
#elif defined(KT_TARGET_INPUT)
#define KT_TEST_TARGET(k) ((const int8_t *)sample)
#else
#define KT_TEST_TARGET(k) ((k) % KT_CLASSES)
#endif

int main(void) {
#if defined(KT_TARGET_FLOAT) || defined(KT_TARGET_INT8)
    for (int i = 0; i < KT_CLASSES; i++) {
        target_vec[i] = (int8_t)(i * 5 - 3);
    }
#endif
    const kt_flash f = {NULL, rd, er, pr, {0u, SLOT}, SLOT, SECTOR, 8u};
    memset(flash_mem, 0xFF, sizeof flash_mem);
    if (kt_init(&f) != KT_STORE_EMPTY) {
        return 1;
    }
    for (int i = 0; i < KT_INPUT_BYTES; i++) {
        sample[i] = (int8_t)(i * 7);
    }
    float loss = kt_learn(sample, KT_TEST_TARGET(1));
    if (!(loss == loss) || kt_statistics()->samples != 1u || kt_save(&f) != KT_STORE_OK) {
        return 2;
    }
    kt_export_params(before);
    kt_learn(sample, KT_TEST_TARGET(0));
    if (kt_init(&f) != KT_STORE_OK || kt_statistics()->samples != 1u || kt_statistics()->last_loss != loss) {
        return 3;
    }
    kt_export_params(after);
    if (memcmp(before, after, KT_PARAMS_BYTES) != 0 || kt_model_fingerprint() != (uint32_t)KT_MODEL_FINGERPRINT
            || strncmp(kt_library_version(), "kilotrain-lib", 13) != 0) {
        return 4;
    }
    return 0;
}
