/*
 * Power-loss-safe persistence of what the device learned: the trained parameters, the update rules' state and the
 * learning statistics, saved through the product's own flash driver into two slots A/B.
 *
 * Slot layout (offsets inside a slot; U = write_unit, H = 32 rounded up to U, C = 4 rounded up to U):
 *   [0, H)          header: magic "KTS1", format version, model fingerprint, sequence number, payload length,
 *                   CRC-32 (IEEE) over the first 20 header bytes and the payload; little-endian words; rest zero
 *   [H, H + C)      commit mark: the word KT_STORE_COMMIT repeated; programmed last
 *   [H + C, ...)    payload: samples seen, steps, last loss (float bits), 0, then the KT_STATE_BYTES of the learned
 *                   state (kt_export_state_part: the parameters as kt_export_params writes them, then momentum,
 *                   float master copies, stochastic-rounding generators, gradient sums and batch position, so a
 *                   restored device goes on exactly as if it had not been reset); the last program padded with 0xFF
 *                   to a whole write unit
 * A save erases the slot that does not hold the newest valid state, programs the payload, reads it back, then the
 * header, then the commit mark. Restore takes the committed slot with a correct CRC, this model's fingerprint and
 * this format version that has the highest sequence number. A cut at any byte of any erase or program therefore
 * leaves the previous state (its slot is never touched) or the new one (only once its commit mark is whole).
 * Flash is assumed NOR-like: erased bytes read 0xFF, programming clears bits, a unit is programmed once per erase.
 * No heap; one 256-byte static buffer; not reentrant.
 */
#ifndef KT_STORE_H
#define KT_STORE_H

#include <stddef.h>
#include <stdint.h>

#define KT_STORE_MAGIC 0x3153544Bu  /* "KTS1" little-endian */
#define KT_STORE_COMMIT 0x6B2D4D43u /* no 0xFF byte: a torn commit mark never reads whole */
#define KT_STORE_VERSION 2u /* 1: parameters only (refused as another version) */
#define KT_STORE_STATS_BYTES 16u
#define KT_STORE_CHUNK 256u

/* Status codes: 0 is success, every failure is negative. */
#define KT_STORE_OK 0
#define KT_STORE_EMPTY (-1)         /* restore: no committed state in either slot (a first boot) */
#define KT_STORE_WRONG_MODEL (-2)   /* restore: the only valid state(s) belong to another model (fingerprint) */
#define KT_STORE_WRONG_VERSION (-3) /* restore: the only committed state(s) have another format version */
#define KT_STORE_FLASH_ERROR (-4)   /* a hook returned non-zero, or the read-back differs from what was programmed */
#define KT_STORE_BAD_CONFIG (-5)    /* write unit not a power of two <= KT_STORE_CHUNK, slots overlap or too small */

/* The product's flash driver. Each hook returns 0 on success. Addresses are what the hooks understand (absolute or
 * offsets into a partition). erase wipes the whole sector that starts at addr (sector_bytes long); program writes n
 * bytes (a multiple of write_unit, at a multiple of write_unit) into erased flash. */
typedef struct kt_flash {
    void *ctx;
    int (*read)(void *ctx, uint32_t addr, uint8_t *buf, uint32_t n);
    int (*erase)(void *ctx, uint32_t addr);
    int (*program)(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t n);
    uint32_t slot_addr[2];  /* sector-aligned, non-overlapping */
    uint32_t slot_bytes;    /* a multiple of sector_bytes, at least kt_store_slot_bytes_needed(write_unit) */
    uint32_t sector_bytes;
    uint32_t write_unit;    /* 1, 2, 4, ..., KT_STORE_CHUNK */
} kt_flash;

typedef struct kt_stats {
    uint32_t samples;  /* labelled samples learned from */
    uint32_t steps;    /* parameter updates */
    float last_loss;   /* loss of the last sample learned */
} kt_stats;

/* Bytes one slot must hold for this model (header, commit mark, statistics and parameters). */
uint32_t kt_store_slot_bytes_needed(uint32_t write_unit);

/* Saves the current learned state (KT_STATE_BYTES) and *stats as the newest state. On success *seq_out (if not NULL) is its sequence. */
int kt_store_save(const kt_flash *f, const kt_stats *stats, uint32_t *seq_out);

/* Loads the newest valid state of this model into the parameters and *stats (if not NULL). On any error the
 * parameters and *stats are left unchanged, except KT_STORE_FLASH_ERROR during the final import (a read that no
 * longer matches the CRC it matched a moment before): then re-initialise the model. */
int kt_store_restore(const kt_flash *f, kt_stats *stats, uint32_t *seq_out);

/* A short English name of a status code. */
const char *kt_store_strerror(int status);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32): start with crc = 0, feed bytes in order. */
uint32_t kt_store_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
