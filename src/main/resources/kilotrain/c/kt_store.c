/* Power-loss-safe A/B persistence of the learned state; the format and the argument are in kt_store.h. */
#include "kt_store.h"

#include "kt_model.h"

#include <string.h>

#define HDR_WORDS 8u
#define HDR_CRC_AT 20u

static uint8_t kt_store_buf[KT_STORE_CHUNK];

static const uint32_t kt_crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t kt_store_crc32(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ kt_crc_nibble[crc & 0xFu];
        crc = (crc >> 4) ^ kt_crc_nibble[crc & 0xFu];
    }
    return ~crc;
}

static void put32(uint8_t *o, uint32_t v) {
    o[0] = (uint8_t)v;
    o[1] = (uint8_t)(v >> 8);
    o[2] = (uint8_t)(v >> 16);
    o[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *i) {
    return (uint32_t)i[0] | ((uint32_t)i[1] << 8) | ((uint32_t)i[2] << 16) | ((uint32_t)i[3] << 24);
}

static uint32_t round_up(uint32_t v, uint32_t unit) {
    return (v + unit - 1u) / unit * unit;
}

static uint32_t hdr_bytes(uint32_t unit) {
    return round_up(4u * HDR_WORDS, unit);
}

static uint32_t commit_bytes(uint32_t unit) {
    return round_up(4u, unit);
}

#define PAYLOAD_BYTES ((uint32_t)KT_STORE_STATS_BYTES + (uint32_t)KT_STATE_BYTES)

uint32_t kt_store_slot_bytes_needed(uint32_t write_unit) {
    if (write_unit == 0u) {
        write_unit = 1u;
    }
    return hdr_bytes(write_unit) + commit_bytes(write_unit) + round_up(PAYLOAD_BYTES, write_unit);
}

static int check_config(const kt_flash *f) {
    uint32_t u = f->write_unit;
    if (f->read == NULL || f->erase == NULL || f->program == NULL || u == 0u || (u & (u - 1u)) != 0u
            || u > KT_STORE_CHUNK || f->sector_bytes == 0u || f->slot_bytes % f->sector_bytes != 0u
            || f->slot_addr[0] % f->sector_bytes != 0u || f->slot_addr[1] % f->sector_bytes != 0u
            || f->slot_bytes < kt_store_slot_bytes_needed(u)) {
        return KT_STORE_BAD_CONFIG;
    }
    uint32_t a = f->slot_addr[0], b = f->slot_addr[1];
    if ((a < b && b - a < f->slot_bytes) || (b <= a && a - b < f->slot_bytes)) {
        return KT_STORE_BAD_CONFIG;
    }
    return KT_STORE_OK;
}

/* One payload byte range [off, off + n) as the save writes it: statistics, then the learned state (parameters and
 * the update rules' state, kt_export_state_part). */
static void payload_part(const kt_stats *s, uint8_t *out, uint32_t off, uint32_t n) {
    uint8_t st[KT_STORE_STATS_BYTES];
    uint32_t loss;
    memcpy(&loss, &s->last_loss, 4);
    put32(st, s->samples);
    put32(st + 4, s->steps);
    put32(st + 8, loss);
    put32(st + 12, 0u);
    uint32_t i = 0;
    for (; i < n && off + i < KT_STORE_STATS_BYTES; i++) {
        out[i] = st[off + i];
    }
    if (i < n) {
        kt_export_state_part(out + i, off + i - KT_STORE_STATS_BYTES, n - i);
    }
}

typedef struct {
    int status; /* KT_STORE_OK: valid for this model; else why not */
    int committed;
    uint32_t seq;
} slot_info;

/* CRC-32 of the header's first 20 bytes and then len payload bytes read from flash at addr. */
static int crc_of(const kt_flash *f, const uint8_t *hdr, uint32_t addr, uint32_t len, uint32_t *crc_out) {
    uint32_t crc = kt_store_crc32(0u, hdr, HDR_CRC_AT);
    for (uint32_t o = 0; o < len; o += KT_STORE_CHUNK) {
        uint32_t n = len - o < KT_STORE_CHUNK ? len - o : KT_STORE_CHUNK;
        if (f->read(f->ctx, addr + o, kt_store_buf, n) != 0) {
            return KT_STORE_FLASH_ERROR;
        }
        crc = kt_store_crc32(crc, kt_store_buf, n);
    }
    *crc_out = crc;
    return KT_STORE_OK;
}

/* Reads and checks one slot: commit mark, magic, version, CRC over header and payload, fingerprint, length. */
static int inspect(const kt_flash *f, uint32_t base, slot_info *si) {
    uint32_t u = f->write_unit, h = hdr_bytes(u), c = commit_bytes(u);
    uint8_t hdr[4u * HDR_WORDS];
    si->status = KT_STORE_EMPTY;
    si->committed = 0;
    si->seq = 0;
    for (uint32_t o = 0; o < c; o += 4u) {
        uint8_t w[4];
        if (f->read(f->ctx, base + h + o, w, 4u) != 0) {
            return KT_STORE_FLASH_ERROR;
        }
        if (get32(w) != KT_STORE_COMMIT) {
            return KT_STORE_OK; /* never committed, or torn: not a state */
        }
    }
    if (f->read(f->ctx, base, hdr, sizeof hdr) != 0) {
        return KT_STORE_FLASH_ERROR;
    }
    if (get32(hdr) != KT_STORE_MAGIC) {
        return KT_STORE_OK;
    }
    if (get32(hdr + 4) != KT_STORE_VERSION) {
        si->status = KT_STORE_WRONG_VERSION;
        return KT_STORE_OK;
    }
    uint32_t len = get32(hdr + 16);
    if (len > f->slot_bytes - h - c) {
        return KT_STORE_OK;
    }
    uint32_t crc;
    if (crc_of(f, hdr, base + h + c, len, &crc) != KT_STORE_OK) {
        return KT_STORE_FLASH_ERROR;
    }
    if (crc != get32(hdr + HDR_CRC_AT)) {
        return KT_STORE_OK;
    }
    si->committed = 1;
    si->seq = get32(hdr + 12);
    si->status = get32(hdr + 8) == (uint32_t)KT_MODEL_FINGERPRINT && len == PAYLOAD_BYTES ? KT_STORE_OK
                                                                                           : KT_STORE_WRONG_MODEL;
    return KT_STORE_OK;
}

/* a newer than b in serial-number arithmetic (a wrap of the 32-bit counter keeps the order) */
static int newer(uint32_t a, uint32_t b) {
    return (int32_t)(a - b) > 0;
}

int kt_store_save(const kt_flash *f, const kt_stats *stats, uint32_t *seq_out) {
    int r = check_config(f);
    if (r != KT_STORE_OK) {
        return r;
    }
    slot_info si[2];
    for (int k = 0; k < 2; k++) {
        if (inspect(f, f->slot_addr[k], &si[k]) != KT_STORE_OK) {
            return KT_STORE_FLASH_ERROR;
        }
    }
    /* the slot with the newest committed state (of any model) is kept; the other one is overwritten */
    int keep = -1;
    for (int k = 0; k < 2; k++) {
        if (si[k].committed && (keep < 0 || newer(si[k].seq, si[keep].seq))) {
            keep = k;
        }
    }
    int target = keep == 0 ? 1 : 0;
    uint32_t seq = keep < 0 ? 1u : si[keep].seq + 1u;
    uint32_t base = f->slot_addr[target], u = f->write_unit, h = hdr_bytes(u), c = commit_bytes(u);
    uint32_t used = round_up(h + c + round_up(PAYLOAD_BYTES, u), f->sector_bytes);
    /* the header's sector first: from the first erase on, this slot is no longer a state */
    for (uint32_t o = 0; o < used; o += f->sector_bytes) {
        if (f->erase(f->ctx, base + o) != 0) {
            return KT_STORE_FLASH_ERROR;
        }
    }
    uint8_t hdr[4u * HDR_WORDS];
    memset(hdr, 0, sizeof hdr);
    put32(hdr, KT_STORE_MAGIC);
    put32(hdr + 4, KT_STORE_VERSION);
    put32(hdr + 8, (uint32_t)KT_MODEL_FINGERPRINT);
    put32(hdr + 12, seq);
    put32(hdr + 16, PAYLOAD_BYTES);
    uint32_t crc = kt_store_crc32(0u, hdr, HDR_CRC_AT);
    for (uint32_t o = 0; o < PAYLOAD_BYTES; o += KT_STORE_CHUNK) {
        uint32_t n = PAYLOAD_BYTES - o < KT_STORE_CHUNK ? PAYLOAD_BYTES - o : KT_STORE_CHUNK;
        payload_part(stats, kt_store_buf, o, n);
        crc = kt_store_crc32(crc, kt_store_buf, n);
        uint32_t padded = round_up(n, u);
        memset(kt_store_buf + n, 0xFF, padded - n);
        if (f->program(f->ctx, base + h + c + o, kt_store_buf, padded) != 0) {
            return KT_STORE_FLASH_ERROR;
        }
    }
    /* read back before committing: a program that silently failed never becomes the newest state */
    uint32_t back;
    if (crc_of(f, hdr, base + h + c, PAYLOAD_BYTES, &back) != KT_STORE_OK || back != crc) {
        return KT_STORE_FLASH_ERROR;
    }
    put32(hdr + HDR_CRC_AT, crc);
    memset(kt_store_buf, 0, h);
    memcpy(kt_store_buf, hdr, sizeof hdr);
    if (f->program(f->ctx, base, kt_store_buf, h) != 0) {
        return KT_STORE_FLASH_ERROR;
    }
    for (uint32_t o = 0; o < c; o += 4u) {
        put32(kt_store_buf + o, KT_STORE_COMMIT);
    }
    if (f->program(f->ctx, base + h, kt_store_buf, c) != 0) {
        return KT_STORE_FLASH_ERROR;
    }
    slot_info now;
    if (inspect(f, base, &now) != KT_STORE_OK || now.status != KT_STORE_OK || now.seq != seq) {
        return KT_STORE_FLASH_ERROR;
    }
    if (seq_out != NULL) {
        *seq_out = seq;
    }
    return KT_STORE_OK;
}

int kt_store_restore(const kt_flash *f, kt_stats *stats, uint32_t *seq_out) {
    int r = check_config(f);
    if (r != KT_STORE_OK) {
        return r;
    }
    slot_info si[2];
    int best = -1, refused = KT_STORE_EMPTY;
    for (int k = 0; k < 2; k++) {
        if (inspect(f, f->slot_addr[k], &si[k]) != KT_STORE_OK) {
            return KT_STORE_FLASH_ERROR;
        }
        if (si[k].status == KT_STORE_OK) {
            if (best < 0 || newer(si[k].seq, si[best].seq)) {
                best = k;
            }
        } else if (si[k].status == KT_STORE_WRONG_MODEL || (si[k].status == KT_STORE_WRONG_VERSION
                && refused == KT_STORE_EMPTY)) {
            refused = si[k].status;
        }
    }
    if (best < 0) {
        return refused;
    }
    /* the chosen slot passed its CRC a moment ago; import it, checking the CRC again on the way */
    uint32_t base = f->slot_addr[best], h = hdr_bytes(f->write_unit), c = commit_bytes(f->write_unit);
    uint8_t hdr[4u * HDR_WORDS];
    uint8_t st[KT_STORE_STATS_BYTES];
    if (f->read(f->ctx, base, hdr, sizeof hdr) != 0 || f->read(f->ctx, base + h + c, st, sizeof st) != 0) {
        return KT_STORE_FLASH_ERROR;
    }
    uint32_t crc = kt_store_crc32(kt_store_crc32(0u, hdr, HDR_CRC_AT), st, sizeof st);
    for (uint32_t o = KT_STORE_STATS_BYTES; o < PAYLOAD_BYTES; o += KT_STORE_CHUNK) {
        uint32_t n = PAYLOAD_BYTES - o < KT_STORE_CHUNK ? PAYLOAD_BYTES - o : KT_STORE_CHUNK;
        if (f->read(f->ctx, base + h + c + o, kt_store_buf, n) != 0) {
            return KT_STORE_FLASH_ERROR;
        }
        crc = kt_store_crc32(crc, kt_store_buf, n);
        kt_import_state_part(kt_store_buf, o - KT_STORE_STATS_BYTES, n);
    }
    if (crc != get32(hdr + HDR_CRC_AT)) {
        return KT_STORE_FLASH_ERROR;
    }
    kt_import_state_finish();
    if (stats != NULL) {
        uint32_t loss = get32(st + 8);
        stats->samples = get32(st);
        stats->steps = get32(st + 4);
        memcpy(&stats->last_loss, &loss, 4);
    }
    if (seq_out != NULL) {
        *seq_out = si[best].seq;
    }
    return KT_STORE_OK;
}

const char *kt_store_strerror(int status) {
    switch (status) {
        case KT_STORE_OK:
            return "ok";
        case KT_STORE_EMPTY:
            return "no saved state";
        case KT_STORE_WRONG_MODEL:
            return "the saved state belongs to another model (fingerprint differs)";
        case KT_STORE_WRONG_VERSION:
            return "the saved state has another format version";
        case KT_STORE_FLASH_ERROR:
            return "flash error (a hook failed or the read-back differs)";
        case KT_STORE_BAD_CONFIG:
            return "bad flash configuration (write unit, sector alignment, slot size or overlap)";
        default:
            return "unknown status";
    }
}
