/*
 * Fault injection for kt_store: an emulated NOR flash (erased = 0xFF, programming only clears bits, programming over
 * unerased bytes is an error) that loses power at a chosen point of a save: before the N-th erase or program starts,
 * or in the middle of it, at every byte k (bytes before k done, byte k torn: partly erased or partly programmed,
 * the rest untouched). For every such cut point of three saves (into empty flash; into slot B while A holds the
 * old state; over the older slot A while B holds the old state), the flash is "rebooted": the parameters are reset
 * to the firmware image's values, kt_store_restore runs, and the parameters and statistics must be, bit for bit,
 * those of the previous save or of the new one (or, with no previous save, untouched and KT_STORE_EMPTY).
 * Then a state of another model (fingerprint), of another format version and with a flipped payload bit must be
 * refused or skipped. Trains on kt_samples.c. Runs on the host and, built with kt_cm7_startup.c, on the board.
 * Prints "store-test cut_points N old A new B corrupt C" and exits 0 when C is 0 and every check passed.
 */
#include "kt_model.h"
#include "kt_samples.h"
#include "kt_print.h"
#include "kt_store.h"

#include <string.h>

#ifdef KT_ON_DEVICE
#include "kt_cm7.h"
#define OUT(s) kt_write(s)
#else
#include <stdio.h>
#define OUT(s) fputs(s, stdout)
#endif

#define SECTOR 1024u
#define SLOT (((KT_PARAMS_BYTES + 64u + 255u) / SECTOR + 1u) * SECTOR)
/* one spare sector before, between and after the slots: a write outside a slot shows up as an error */
#define FLASH_BYTES (4u * SECTOR + 2u * SLOT)
#define TORN 0xA5u

static uint8_t flash[FLASH_BYTES], snap[FLASH_BYTES];
static long ops, cut_op = -1, cut_byte;
static int dead, violations, logging;
#define MAX_OPS 4096
static uint32_t op_len[MAX_OPS];
static uint32_t unit = 8u;

static uint8_t s_image[KT_PARAMS_BYTES], s_old[KT_PARAMS_BYTES], s_new[KT_PARAMS_BYTES], s_now[KT_PARAMS_BYTES];

static char line[200];

static char *put_i(char *o, long v) {
    if (v < 0) {
        *o++ = '-';
        return kt_put_u(o, (uint64_t)-v);
    }
    return kt_put_u(o, (uint64_t)v);
}

static void say(const char *a, long v, const char *b) {
    char *o = kt_put_str(line, a);
    o = put_i(o, v);
    o = kt_put_str(o, b);
    *o = 0;
    OUT(line);
}

static int f_read(void *ctx, uint32_t addr, uint8_t *buf, uint32_t n) {
    (void)ctx;
    if (dead || addr > FLASH_BYTES || n > FLASH_BYTES - addr) {
        return -1;
    }
    memcpy(buf, flash + addr, n);
    return 0;
}

static int f_erase(void *ctx, uint32_t addr) {
    (void)ctx;
    if (dead) {
        return -1;
    }
    if (addr % SECTOR != 0u || addr >= FLASH_BYTES) {
        violations++;
        return -1;
    }
    if (logging && ops < MAX_OPS) {
        op_len[ops] = SECTOR;
    }
    if (ops++ == cut_op) {
        if (cut_byte >= 0) {
            memset(flash + addr, 0xFF, (size_t)cut_byte);
            if (cut_byte < (long)SECTOR) {
                flash[addr + (uint32_t)cut_byte] |= TORN;
            }
        }
        dead = 1;
        return -1;
    }
    memset(flash + addr, 0xFF, SECTOR);
    return 0;
}

static int f_program(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t n) {
    (void)ctx;
    if (dead) {
        return -1;
    }
    if (addr % unit != 0u || n % unit != 0u || n == 0u || addr > FLASH_BYTES || n > FLASH_BYTES - addr) {
        violations++;
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (flash[addr + i] != 0xFFu) {
            violations++; /* a unit programmed twice without an erase */
            return -1;
        }
    }
    if (logging && ops < MAX_OPS) {
        op_len[ops] = n;
    }
    if (ops++ == cut_op) {
        for (long i = 0; i < cut_byte; i++) {
            flash[addr + (uint32_t)i] &= buf[i];
        }
        if (cut_byte >= 0 && cut_byte < (long)n) {
            flash[addr + (uint32_t)cut_byte] &= (uint8_t)(buf[cut_byte] | TORN);
        }
        dead = 1;
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        flash[addr + i] &= buf[i];
    }
    return 0;
}

static kt_flash flash_config(void) {
    kt_flash f;
    f.ctx = NULL;
    f.read = f_read;
    f.erase = f_erase;
    f.program = f_program;
    f.slot_addr[0] = SECTOR;
    f.slot_addr[1] = 2u * SECTOR + SLOT;
    f.slot_bytes = SLOT;
    f.sector_bytes = SECTOR;
    f.write_unit = unit;
    return f;
}

static int same_stats(const kt_stats *a, const kt_stats *b) {
    return a->samples == b->samples && a->steps == b->steps && memcmp(&a->last_loss, &b->last_loss, 4) == 0;
}

static long cut_points, n_old, n_new, corrupt;

/* A reboot after the cut: the firmware image's parameters, then restore; what came back must be old or new. */
static void reboot_and_check(const kt_stats *st_old, const kt_stats *st_new, int have_old, const char *what) {
    const kt_flash f = flash_config();
    dead = 0;
    cut_op = -1;
    kt_import_params(s_image, KT_PARAMS_BYTES);
    kt_stats st = {7u, 7u, 7.0f};
    kt_stats st_before = st;
    int r = kt_store_restore(&f, &st, NULL);
    kt_export_params(s_now);
    cut_points++;
    if (r == KT_STORE_OK && memcmp(s_now, s_new, KT_PARAMS_BYTES) == 0 && same_stats(&st, st_new)) {
        n_new++;
    } else if (have_old && r == KT_STORE_OK && memcmp(s_now, s_old, KT_PARAMS_BYTES) == 0 && same_stats(&st, st_old)) {
        n_old++;
    } else if (!have_old && r == KT_STORE_EMPTY && memcmp(s_now, s_image, KT_PARAMS_BYTES) == 0
            && same_stats(&st, &st_before)) {
        n_old++;
    } else {
        if (corrupt++ == 0) {
            say("corrupt restore: ", r, " (");
            OUT(kt_store_strerror(r));
            OUT(") in ");
            OUT(what);
            say(" at op ", ops, "");
            say(" byte ", cut_byte, "\n");
        }
    }
}

/* Every cut point of saving the current parameters with stats st_new, from the flash in snap; leaves the flash
 * with the new state saved. */
static void inject(const kt_stats *st_old, const kt_stats *st_new, int have_old, const char *what) {
    const kt_flash f = flash_config();
    memcpy(flash, snap, FLASH_BYTES);
    kt_export_params(s_new);
    dead = 0;
    ops = 0;
    cut_op = -1;
    logging = 1;
    int r = kt_store_save(&f, st_new, NULL);
    logging = 0;
    long total = ops;
    if (r != KT_STORE_OK || total > MAX_OPS) {
        say("clean save failed: ", r, "\n");
        corrupt++;
        return;
    }
    for (long n = 0; n < total; n++) {
        /* k = -1: power lost before operation n starts; k >= 0: during it, at byte k */
        /* k = length of the last operation: it completes (the commit mark is whole), then the power goes */
        long last = n == total - 1 ? (long)op_len[n] : (long)op_len[n] - 1;
        for (long k = -1; k <= last; k++) {
            memcpy(flash, snap, FLASH_BYTES);
            kt_import_params(s_new, KT_PARAMS_BYTES);
            dead = 0;
            ops = 0;
            cut_op = n;
            cut_byte = k;
            (void)kt_store_save(&f, st_new, NULL);
            reboot_and_check(st_old, st_new, have_old, what);
        }
    }
    /* leave the new state saved, as after an uninterrupted save */
    memcpy(flash, snap, FLASH_BYTES);
    kt_import_params(s_new, KT_PARAMS_BYTES);
    dead = 0;
    cut_op = -1;
    if (kt_store_save(&f, st_new, NULL) != KT_STORE_OK) {
        corrupt++;
    }
    memcpy(snap, flash, FLASH_BYTES);
}

static void check(int ok, const char *what) {
    if (!ok) {
        OUT("check failed: ");
        OUT(what);
        OUT("\n");
        violations++;
    }
}

/* Rewrites slot k's header word at byte offset `at` and re-seals its CRC, as another firmware would have written it. */
static void reseal(int k, uint32_t at, uint32_t value) {
    const kt_flash f = flash_config();
    uint32_t base = f.slot_addr[k];
    uint32_t h = (32u + unit - 1u) / unit * unit, c = (4u + unit - 1u) / unit * unit;
    uint8_t *hdr = flash + base;
    hdr[at] = (uint8_t)value;
    hdr[at + 1] = (uint8_t)(value >> 8);
    hdr[at + 2] = (uint8_t)(value >> 16);
    hdr[at + 3] = (uint8_t)(value >> 24);
    uint32_t len = (uint32_t)hdr[16] | ((uint32_t)hdr[17] << 8) | ((uint32_t)hdr[18] << 16) | ((uint32_t)hdr[19] << 24);
    uint32_t crc = kt_store_crc32(kt_store_crc32(0u, hdr, 20u), flash + base + h + c, len);
    hdr[20] = (uint8_t)crc;
    hdr[21] = (uint8_t)(crc >> 8);
    hdr[22] = (uint8_t)(crc >> 16);
    hdr[23] = (uint8_t)(crc >> 24);
}

/* Refusals: another model's or format's state, a flipped bit, a bad configuration. Flash holds old (A) and new (B). */
static void refusals(const kt_stats *st_a, const kt_stats *st_b) {
    const kt_flash f = flash_config();
    kt_stats st;
    uint32_t seq = 0;
    memcpy(snap, flash, FLASH_BYTES);
    /* a bit flipped in the newest slot's payload: its CRC fails, the older state comes back */
    flash[f.slot_addr[1] + 200u] ^= 0x10u;
    kt_import_params(s_image, KT_PARAMS_BYTES);
    check(kt_store_restore(&f, &st, &seq) == KT_STORE_OK && same_stats(&st, st_a), "flipped bit -> older slot");
    kt_export_params(s_now);
    check(memcmp(s_now, s_old, KT_PARAMS_BYTES) == 0, "flipped bit -> older parameters");
    /* both slots from another model: refused, parameters untouched */
    memcpy(flash, snap, FLASH_BYTES);
    reseal(0, 8u, (uint32_t)KT_MODEL_FINGERPRINT ^ 1u);
    reseal(1, 8u, (uint32_t)KT_MODEL_FINGERPRINT ^ 1u);
    kt_import_params(s_image, KT_PARAMS_BYTES);
    check(kt_store_restore(&f, &st, &seq) == KT_STORE_WRONG_MODEL, "another model's state is refused");
    kt_export_params(s_now);
    check(memcmp(s_now, s_image, KT_PARAMS_BYTES) == 0, "a refused state leaves the parameters untouched");
    /* the newest slot from another model, the older one ours: ours comes back */
    memcpy(flash, snap, FLASH_BYTES);
    reseal(1, 8u, (uint32_t)KT_MODEL_FINGERPRINT ^ 0x80000000u);
    check(kt_store_restore(&f, &st, &seq) == KT_STORE_OK && same_stats(&st, st_a), "our older state over a foreign one");
    /* another format version */
    memcpy(flash, snap, FLASH_BYTES);
    reseal(0, 4u, KT_STORE_VERSION + 1u);
    reseal(1, 4u, KT_STORE_VERSION + 1u);
    kt_import_params(s_image, KT_PARAMS_BYTES);
    check(kt_store_restore(&f, &st, &seq) == KT_STORE_WRONG_VERSION, "another format version is refused");
    kt_export_params(s_now);
    check(memcmp(s_now, s_image, KT_PARAMS_BYTES) == 0, "a refused version leaves the parameters untouched");
    /* a save after a foreign state overwrites the older slot and wins */
    memcpy(flash, snap, FLASH_BYTES);
    reseal(1, 8u, (uint32_t)KT_MODEL_FINGERPRINT ^ 1u);
    kt_import_params(s_new, KT_PARAMS_BYTES);
    check(kt_store_save(&f, st_b, &seq) == KT_STORE_OK && seq == 3u, "save after a foreign state");
    kt_import_params(s_image, KT_PARAMS_BYTES);
    check(kt_store_restore(&f, &st, &seq) == KT_STORE_OK && seq == 3u && same_stats(&st, st_b), "restore it");
    /* bad configurations */
    kt_flash bad = f;
    bad.write_unit = 3u;
    check(kt_store_save(&bad, st_b, NULL) == KT_STORE_BAD_CONFIG, "write unit 3");
    bad = f;
    bad.slot_addr[1] = f.slot_addr[0] + SECTOR;
    check(kt_store_restore(&bad, &st, NULL) == KT_STORE_BAD_CONFIG, "overlapping slots");
    bad = f;
    bad.slot_bytes = 0u;
    check(kt_store_save(&bad, st_b, NULL) == KT_STORE_BAD_CONFIG, "slot too small");
    memcpy(flash, snap, FLASH_BYTES);
}

static float learn(int s, kt_stats *st) {
    int i = s % KT_SAMPLES;
    float loss = kt_train_step(kt_sample_input[i], KT_SAMPLE_TARGET(i));
    st->samples++;
    st->steps++;
    st->last_loss = loss;
    return loss;
}

int main(void) {
    kt_export_params(s_image);
    memset(snap, 0xFF, FLASH_BYTES);
    kt_stats st0 = {0u, 0u, 0.0f}, st1 = st0, st2, st3;
    /* 1: the first save, into erased flash (before it, no state: a restore finds nothing) */
    learn(0, &st1);
    inject(&st0, &st1, 0, "first save");
    kt_export_params(s_old);
    /* 2: into slot B while A holds the first state */
    st2 = st1;
    learn(1, &st2);
    inject(&st1, &st2, 1, "second save");
    kt_export_params(s_old);
    /* 3: over the older slot A while B holds the second state */
    st3 = st2;
    learn(2, &st3);
    inject(&st2, &st3, 1, "third save");
    /* the same over a 32-byte write unit (an STM32H7 flash word) */
    unit = 32u;
    memset(snap, 0xFF, FLASH_BYTES);
    memcpy(s_old, s_new, KT_PARAMS_BYTES);
    kt_import_params(s_new, KT_PARAMS_BYTES);
    const kt_flash f32 = flash_config();
    memcpy(flash, snap, FLASH_BYTES);
    check(kt_store_save(&f32, &st3, NULL) == KT_STORE_OK, "save with a 32-byte unit");
    memcpy(snap, flash, FLASH_BYTES);
    kt_stats st4 = st3;
    learn(3, &st4);
    inject(&st3, &st4, 1, "save over 32-byte units");
    /* refusals on the 8-byte layout: slot A the older state (st2's slot is overwritten by st3: rebuild) */
    unit = 8u;
    memset(flash, 0xFF, FLASH_BYTES);
    const kt_flash f8 = flash_config();
    kt_import_params(s_old, KT_PARAMS_BYTES);
    check(kt_store_save(&f8, &st3, NULL) == KT_STORE_OK, "save A");
    kt_import_params(s_new, KT_PARAMS_BYTES);
    check(kt_store_save(&f8, &st4, NULL) == KT_STORE_OK, "save B");
    refusals(&st3, &st4);
    say("store-test cut_points ", cut_points, "");
    say(" old ", n_old, "");
    say(" new ", n_new, "");
    say(" corrupt ", corrupt, "");
    say(" violations ", violations, "");
    say(" params_bytes ", (long)KT_PARAMS_BYTES, "\n");
    return corrupt == 0 && violations == 0 && n_old > 0 && n_new > 0 ? 0 : 1;
}
