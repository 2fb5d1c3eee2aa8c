/*
 * Learning on the device, across a reset: the library (kt_lib) learns from a stream of labelled samples
 * (kt_samples.c: the first KT_DEMO_TRAIN), saves every KT_DEMO_EVERY samples into flash whose contents live in the
 * host file kt_flash.bin (semihosting; every erase and program is written through, as a real flash keeps it), and:
 *  - on a first boot (nothing saved) learns samples 0 .. KT_DEMO_CUT - 1 and stops there without saving: the power
 *    is cut, what was learned since the last save is lost;
 *  - on a later boot restores the last save and goes on with the sample after it, to the end of the stream, saves,
 *    then predicts the held-out samples (the rest of kt_samples.c) and prints the accuracy.
 * Prints "boot", "learn", "save", "eval" and "accuracy" lines for the host to compare with its twin.
 */
#include "kt_cm7.h"
#include "kt_demo.h"
#include "kt_lib.h"
#include "kt_print.h"
#include "kt_samples.h"

#include <string.h>

#define SECTOR 1024u
#define SLOT ((KT_PARAMS_BYTES + 64u + SECTOR - 1u) / SECTOR * SECTOR)
#define FLASH_BYTES (2u * SLOT)
static uint8_t flash_mem[FLASH_BYTES];
static const char file_name[] = "kt_flash.bin";

static int file_open(int mode) {
    uint32_t block[3] = {(uint32_t)(uintptr_t)file_name, (uint32_t)mode, (uint32_t)(sizeof file_name - 1u)};
    return kt_semihost(0x01, block); /* SYS_OPEN */
}

static void file_close(int h) {
    uint32_t block[1] = {(uint32_t)h};
    kt_semihost(0x02, block);
}

/* the whole flash image into the backing file (mode 5: "wb") */
static int persist(void) {
    int h = file_open(5);
    if (h < 0) {
        return -1;
    }
    uint32_t block[3] = {(uint32_t)h, (uint32_t)(uintptr_t)flash_mem, FLASH_BYTES};
    int left = kt_semihost(0x05, block); /* SYS_WRITE: bytes not written */
    file_close(h);
    return left == 0 ? 0 : -1;
}

static void load(void) {
    memset(flash_mem, 0xFF, FLASH_BYTES);
    int h = file_open(1); /* "rb" */
    if (h >= 0) {
        uint32_t block[3] = {(uint32_t)h, (uint32_t)(uintptr_t)flash_mem, FLASH_BYTES};
        kt_semihost(0x06, block); /* SYS_READ */
        file_close(h);
    }
}

static int f_read(void *c, uint32_t a, uint8_t *b, uint32_t n) {
    (void)c;
    if (a > FLASH_BYTES || n > FLASH_BYTES - a) {
        return -1;
    }
    memcpy(b, flash_mem + a, n);
    return 0;
}

static int f_erase(void *c, uint32_t a) {
    (void)c;
    if (a % SECTOR != 0u || a >= FLASH_BYTES) {
        return -1;
    }
    memset(flash_mem + a, 0xFF, SECTOR);
    return persist();
}

static int f_program(void *c, uint32_t a, const uint8_t *b, uint32_t n) {
    (void)c;
    if (a > FLASH_BYTES || n > FLASH_BYTES - a) {
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        flash_mem[a + i] &= b[i];
    }
    return persist();
}

static char line[64 + 9 * KT_CLASSES];

static uint32_t bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static void say_int(const char *key, int64_t v) {
    char *o = kt_put_str(line, key);
    if (v < 0) {
        *o++ = '-';
        v = -v;
    }
    o = kt_put_u(o, (uint64_t)v);
    o = kt_put_str(o, "\n");
    *o = 0;
    kt_write(line);
}

int main(void) {
    const kt_flash f = {NULL, f_read, f_erase, f_program, {0u, SLOT}, SLOT, SECTOR, 8u};
    load();
    int r = kt_init(&f);
    uint32_t start = kt_statistics()->samples;
    char *o = kt_put_str(line, "boot restore ");
    o = kt_put_str(o, kt_store_strerror(r));
    o = kt_put_str(o, " samples ");
    o = kt_put_u(o, start);
    o = kt_put_str(o, "\n");
    *o = 0;
    kt_write(line);
    if (r != KT_STORE_OK && r != KT_STORE_EMPTY) {
        return 2;
    }
    uint32_t end = r == KT_STORE_EMPTY ? KT_DEMO_CUT : KT_DEMO_TRAIN;
    uint64_t ticks = 0;
    for (uint32_t s = start; s < end; s++) {
        uint64_t t0 = kt_ticks();
        float loss = kt_learn(kt_sample_input[s], KT_SAMPLE_TARGET(s));
        ticks += kt_ticks() - t0;
        o = kt_put_str(line, "learn ");
        o = kt_put_u(o, s);
        o = kt_put_str(o, " loss ");
        o = kt_put_hex(o, bits(loss), 8);
        o = kt_put_str(o, "\n");
        *o = 0;
        kt_write(line);
        if ((s + 1u) % KT_DEMO_EVERY == 0u || s + 1u == KT_DEMO_TRAIN) {
            t0 = kt_ticks();
            int w = kt_save(&f);
            uint64_t ts = kt_ticks() - t0;
            o = kt_put_str(line, "save ");
            o = kt_put_u(o, s + 1u);
            o = kt_put_str(o, " ");
            o = kt_put_str(o, kt_store_strerror(w));
            o = kt_put_str(o, " ticks ");
            o = kt_put_u(o, ts);
            o = kt_put_str(o, "\n");
            *o = 0;
            kt_write(line);
            if (w != KT_STORE_OK) {
                return 3;
            }
        }
    }
    say_int("ticks_per_sample ", end > start ? (int64_t)(ticks / (end - start)) : 0);
    if (end == KT_DEMO_CUT) {
        kt_write("power cut\n");
        return 0;
    }
    int correct = 0;
    for (int i = KT_DEMO_TRAIN; i < KT_SAMPLES; i++) {
        float logits[KT_CLASSES];
        int best = kt_predict(kt_sample_input[i], logits);
        correct += best == kt_sample_label[i];
        o = kt_put_str(line, "eval ");
        o = kt_put_u(o, (uint64_t)i);
        o = kt_put_str(o, " ");
        o = kt_put_u(o, (uint64_t)best);
        for (int c = 0; c < KT_CLASSES; c++) {
            o = kt_put_str(o, " ");
            o = kt_put_hex(o, bits(logits[c]), 8);
        }
        o = kt_put_str(o, "\n");
        *o = 0;
        kt_write(line);
    }
    o = kt_put_str(line, "accuracy ");
    o = kt_put_u(o, (uint64_t)correct);
    o = kt_put_str(o, " / ");
    o = kt_put_u(o, (uint64_t)(KT_SAMPLES - KT_DEMO_TRAIN));
    o = kt_put_str(o, "\n");
    *o = 0;
    kt_write(line);
    return 0;
}
