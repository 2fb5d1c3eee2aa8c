/*
 * Device demo: trains on the samples embedded in kt_samples.c, printing (over semihosting) each step's loss and
 * SysTick ticks, the ticks of one inference, the prediction and logits of the first sample, the deepest stack use
 * and the trained parameters in hex, so a host can compare every bit with the Java twin. Built with -DKT_PROFILE
 * (make profile-qemu), it also prints the ticks of every statement of the step ("profile ROW TICKS").
 */
#include "kt_cm7.h"
#include "kt_model.h"
#include "kt_print.h"
#include "kt_samples.h"

#include <string.h>

static char line[160];

static uint32_t bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static uint8_t chunk[64];

int main(void) {
    uint64_t total = 0;
    for (int s = 0; s < KT_STEPS; s++) {
        int i = s % KT_SAMPLES;
        uint64_t t0 = kt_ticks();
        float loss = kt_train_step(kt_sample_input[i], KT_SAMPLE_TARGET(i));
        uint64_t t = kt_ticks() - t0;
        total += t;
        char *o = kt_put_str(line, "step ");
        o = kt_put_u(o, (uint64_t)s);
        o = kt_put_str(o, " label ");
        o = kt_put_u(o, (uint64_t)kt_sample_label[i]);
        o = kt_put_str(o, " loss ");
        o = kt_put_hex(o, bits(loss), 8);
        o = kt_put_str(o, " ticks ");
        o = kt_put_u(o, t);
        o = kt_put_str(o, "\n");
        *o = 0;
        kt_write(line);
    }
    float logits[KT_CLASSES];
    uint64_t t0 = kt_ticks();
    int best = kt_predict(kt_sample_input[0], logits);
    uint64_t ti = kt_ticks() - t0;
    char *o = kt_put_str(line, "predict ");
    o = kt_put_u(o, (uint64_t)best);
    *o = 0;
    kt_write(line);
    for (int c = 0; c < KT_CLASSES; c++) {
        o = kt_put_str(line, " ");
        o = kt_put_hex(o, bits(logits[c]), 8);
        *o = 0;
        kt_write(line);
    }
#ifdef KT_PROFILE
    /* ticks of each part of the step (kt_model.h's KT_PROFILE_ROWS), summed over the KT_STEPS steps */
    for (int r = 0; r < KT_PROFILE_ROWS; r++) {
        o = kt_put_str(line, "\nprofile ");
        o = kt_put_u(o, (uint64_t)r);
        o = kt_put_str(o, " ");
        o = kt_put_u(o, kt_profile_ticks[r]);
        *o = 0;
        kt_write(line);
    }
#endif
    o = kt_put_str(line, "\nticks_per_step ");
    o = kt_put_u(o, KT_STEPS > 0 ? total / KT_STEPS : 0);
    o = kt_put_str(o, "\nticks_per_inference ");
    o = kt_put_u(o, ti);
    o = kt_put_str(o, "\nstack_bytes ");
    o = kt_put_u(o, kt_stack_used());
    o = kt_put_str(o, "\nparams ");
    *o = 0;
    kt_write(line);
    for (uint32_t i = 0; i < KT_PARAMS_BYTES; i += sizeof chunk) {
        uint32_t n = KT_PARAMS_BYTES - i < sizeof chunk ? KT_PARAMS_BYTES - i : sizeof chunk;
        kt_export_params_part(chunk, i, n);
        o = line;
        for (uint32_t j = 0; j < n; j++) {
            o = kt_put_hex(o, chunk[j], 2);
        }
        *o = 0;
        kt_write(line);
    }
    kt_write("\nend\n");
    return 0;
}
