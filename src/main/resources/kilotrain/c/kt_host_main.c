/*
 * Host driver of a generated kilotrain model: trains on samples read from a file and writes the trained parameters.
 *
 *   kt_host SAMPLES STEPS PARAMS_OUT [LR]
 *
 * SAMPLES: little-endian int32 count, int32 input bytes (must be KT_INPUT_BYTES), then per sample an int32 label and
 * the int8 input (a regression model instead of the label: KT_TARGET_FLOAT, KT_CLASSES float32 targets as
 * little-endian bits; KT_TARGET_INT8, KT_CLASSES int8 targets; an autoencoder, KT_TARGET_INPUT, steps on the input
 * as its own target and ignores the label). Steps cycle through the samples in file order. LR (decimal or C99 hex float) overrides the
 * compiled learning rate. Prints one line per step with the loss (and its float bits), then the prediction and
 * logit bits of the first sample, and writes kt_export_params to PARAMS_OUT.
 */
#include "kt_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_i32(FILE *f, int32_t *v) {
    uint8_t b[4];
    if (fread(b, 1, 4, f) != 4) {
        return -1;
    }
    *v = (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
    return 0;
}

static uint32_t bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s SAMPLES STEPS PARAMS_OUT [LR]\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "error: cannot open %s\n", argv[1]);
        return 1;
    }
    int32_t count, bytes;
    if (read_i32(f, &count) || read_i32(f, &bytes) || count <= 0 || bytes != KT_INPUT_BYTES) {
        fprintf(stderr, "error: %s: bad header (need input bytes %d)\n", argv[1], KT_INPUT_BYTES);
        return 1;
    }
#if defined(KT_TARGET_FLOAT)
    float *targets = malloc((size_t)count * KT_CLASSES * sizeof(float));
#elif defined(KT_TARGET_INT8)
    int8_t *targets = malloc((size_t)count * KT_CLASSES);
#endif
    int32_t *labels = malloc((size_t)count * sizeof(int32_t));
    int8_t *inputs = malloc((size_t)count * KT_INPUT_BYTES);
#if defined(KT_TARGET_FLOAT) || defined(KT_TARGET_INT8)
    if (targets == NULL) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
#endif
    if (labels == NULL || inputs == NULL) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    for (int i = 0; i < count; i++) {
        int bad = 0;
        labels[i] = 0;
#if defined(KT_TARGET_FLOAT)
        for (int k = 0; k < KT_CLASSES; k++) {
            int32_t v;
            bad |= read_i32(f, &v);
            uint32_t u = (uint32_t)v;
            memcpy(&targets[(size_t)i * KT_CLASSES + k], &u, 4);
        }
#elif defined(KT_TARGET_INT8)
        bad |= fread(targets + (size_t)i * KT_CLASSES, 1, KT_CLASSES, f) != KT_CLASSES;
#else
        bad |= read_i32(f, &labels[i]);
#endif
        if (bad || fread(inputs + (size_t)i * KT_INPUT_BYTES, 1, KT_INPUT_BYTES, f) != KT_INPUT_BYTES) {
            fprintf(stderr, "error: %s: truncated at sample %d\n", argv[1], i);
            return 1;
        }
    }
    fclose(f);
    int steps = atoi(argv[2]);
    if (argc > 4) {
        kt_set_learning_rate(strtof(argv[4], NULL));
    }
    for (int s = 0; s < steps; s++) {
        int i = s % count;
        const int8_t *x = inputs + (size_t)i * KT_INPUT_BYTES;
#if defined(KT_TARGET_FLOAT) || defined(KT_TARGET_INT8)
        float loss = kt_train_step(x, targets + (size_t)i * KT_CLASSES);
#elif defined(KT_TARGET_INPUT)
        float loss = kt_train_step(x, x);
#else
        float loss = kt_train_step(x, labels[i]);
#endif
        printf("step %d label %d loss %08x %.9g\n", s, (int)labels[i], (unsigned)bits(loss), (double)loss);
    }
    float logits[KT_CLASSES];
    int best = kt_predict(inputs, logits);
    printf("predict %d", best);
    for (int i = 0; i < KT_CLASSES; i++) {
        printf(" %08x", (unsigned)bits(logits[i]));
    }
    printf("\n");
    static uint8_t params[KT_PARAMS_BYTES + 1];
    kt_export_params(params);
    FILE *o = fopen(argv[3], "wb");
    if (o == NULL || fwrite(params, 1, KT_PARAMS_BYTES, o) != KT_PARAMS_BYTES || fclose(o) != 0) {
        fprintf(stderr, "error: cannot write %s\n", argv[3]);
        return 1;
    }
    free(labels);
#if defined(KT_TARGET_FLOAT) || defined(KT_TARGET_INT8)
    free(targets);
#endif
    free(inputs);
    return 0;
}
