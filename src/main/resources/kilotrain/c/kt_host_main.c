/*
 * Host driver of a generated kilotrain model: trains on samples read from a file and writes the trained parameters.
 *
 *   kt_host SAMPLES STEPS PARAMS_OUT [LR]
 *
 * SAMPLES: little-endian int32 count, int32 input bytes (must be KT_INPUT_BYTES), then per sample an int32 label and
 * the int8 input (a regression model, KT_REGRESS: KT_CLASSES float32 targets, as little-endian bits, instead of the
 * label). Steps cycle through the samples in file order. LR (decimal or C99 hex float) overrides the
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
#ifdef KT_REGRESS
    float *targets = malloc((size_t)count * KT_CLASSES * sizeof(float));
    int32_t *labels = targets == NULL ? NULL : malloc(sizeof(int32_t));
#else
    int32_t *labels = malloc((size_t)count * sizeof(int32_t));
#endif
    int8_t *inputs = malloc((size_t)count * KT_INPUT_BYTES);
    if (labels == NULL || inputs == NULL) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    for (int i = 0; i < count; i++) {
#ifdef KT_REGRESS
        int bad = 0;
        for (int k = 0; k < KT_CLASSES; k++) {
            int32_t v;
            bad |= read_i32(f, &v);
            uint32_t u = (uint32_t)v;
            memcpy(&targets[(size_t)i * KT_CLASSES + k], &u, 4);
        }
        if (bad || fread(inputs + (size_t)i * KT_INPUT_BYTES, 1, KT_INPUT_BYTES, f) != KT_INPUT_BYTES) {
#else
        if (read_i32(f, &labels[i]) || fread(inputs + (size_t)i * KT_INPUT_BYTES, 1, KT_INPUT_BYTES, f)
                != KT_INPUT_BYTES) {
#endif
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
#ifdef KT_REGRESS
        float loss = kt_train_step(inputs + (size_t)i * KT_INPUT_BYTES, targets + (size_t)i * KT_CLASSES);
        printf("step %d sample %d loss %08x %.9g\n", s, i, (unsigned)bits(loss), (double)loss);
#else
        float loss = kt_train_step(inputs + (size_t)i * KT_INPUT_BYTES, labels[i]);
        printf("step %d label %d loss %08x %.9g\n", s, (int)labels[i], (unsigned)bits(loss), (double)loss);
#endif
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
#ifdef KT_REGRESS
    free(targets);
#endif
    free(inputs);
    return 0;
}
