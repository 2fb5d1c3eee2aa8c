/*
 * Instruction replay (kilotrain.device.InstrReplay): reads a trace of one training step written by the Java executor
 * (kilotrain.exec.StepTrace) and, for each record, puts the instruction's inputs where the generated model keeps them
 * (kt_replay_addr: the planned arena offsets, the trained parameters' arrays and optimizer state), runs exactly that
 * instruction's statement of kt_train_step (kt_replay_run) and compares every output with the Java bytes. Prints, per
 * output that differs, "diff <index> <kind> <id> <element> <expected> <actual>" (the first differing element, hex
 * little-endian words; kind 5 is the loss), and at the end "replay-done <records> <diffs>".
 * Host: kt_replay TRACE. Board (KT_ON_DEVICE): the trace is the host file kt_trace.bin, read over semihosting.
 */
#include "kt_check.h"
#include "kt_model.h"
#include "kt_print.h"

#include <string.h>

void *kt_replay_addr(int kind, int id, uint32_t *bytes);
int kt_replay_run(int index, int label, const float *target, float *loss_io);

#ifdef KT_ON_DEVICE
#include "kt_cm7.h"
static int trace = -1;

static int open_trace(const char *name) {
    uint32_t block[3] = {(uint32_t)(uintptr_t)name, 1u /* "rb" */, (uint32_t)strlen(name)};
    trace = kt_semihost(0x01, block); /* SYS_OPEN */
    return trace >= 0 ? 0 : -1;
}

static int rd(void *dst, uint32_t n) {
    uint32_t block[3] = {(uint32_t)trace, (uint32_t)(uintptr_t)dst, n};
    return n == 0u || kt_semihost(0x06, block) == 0 ? 0 : -1; /* SYS_READ: bytes not read */
}

static void out(const char *s) {
    kt_write(s);
}

static void finish(int code) {
    kt_exit(code);
}
#else
#include <stdio.h>
#include <stdlib.h>
static FILE *trace;

static int open_trace(const char *name) {
    trace = fopen(name, "rb");
    return trace != NULL ? 0 : -1;
}

static int rd(void *dst, uint32_t n) {
    return n == 0u || fread(dst, 1, n, trace) == n ? 0 : -1;
}

static void out(const char *s) {
    fputs(s, stdout);
}

static void finish(int code) {
    fflush(stdout);
    exit(code);
}
#endif

#define MAGIC 0x5254544Bu
#define RECORD 0x31434552u
#define END 0x20444E45u
#define LOSS_KIND 5u

static uint8_t chunk[256];
static float target[KT_CLASSES];
static char line[160];
static uint32_t diffs;

/* " v" appended to a line */
static char *field(char *o, uint32_t v) {
    return kt_put_u(kt_put_str(o, " "), v);
}

static void send(char *o) {
    o = kt_put_str(o, "\n");
    *o = '\0';
    out(line);
}

static void fail(const char *what, uint32_t a, uint32_t b) {
    send(field(field(kt_put_str(kt_put_str(line, "error "), what), a), b));
    finish(2);
}

static uint32_t u32(void) {
    uint8_t b[4];
    if (rd(b, 4u) != 0) {
        fail("truncated trace", 0u, 0u);
    }
    return kt_word(b, 4u);
}

static void report(uint32_t index, uint32_t kind, uint32_t id, uint32_t element, uint32_t expected, uint32_t actual,
                   int digits) {
    char *o = field(field(field(field(kt_put_str(line, "diff"), index), kind), id), element);
    o = kt_put_hex(kt_put_str(o, " "), expected, digits);
    send(kt_put_hex(kt_put_str(o, " "), actual, digits));
    diffs++;
}

/* Where section (kind, id) of n bytes lives in the model; refuses a section the model does not have. */
static uint8_t *place(uint32_t kind, uint32_t id, uint32_t n) {
    uint32_t size = 0u;
    uint8_t *a = (uint8_t *)kt_replay_addr((int)kind, (int)id, &size);
    if (a == NULL) {
        fail("the model has no section (kind id)", kind, id);
    }
    if (size != n) {
        fail("section size differs (trace model)", n, size);
    }
    return a;
}

static void load(void) {
    const uint32_t kind = u32(), id = u32();
    (void)u32();
    const uint32_t n = u32();
    if (rd(place(kind, id, n), n) != 0) {
        fail("truncated trace in section", kind, id);
    }
}

/* Reads an expected output section in chunks and reports its first element that differs from the model's bytes. */
static void check(uint32_t index) {
    const uint32_t kind = u32(), id = u32(), type = u32(), n = u32();
    const uint8_t *a = place(kind, id, n);
    const uint32_t esz = type == 'b' || type == 'm' ? 1u : 4u;
    int found = 0;
    for (uint32_t off = 0u; off < n;) {
        const uint32_t k = n - off < (uint32_t)sizeof chunk ? n - off : (uint32_t)sizeof chunk;
        if (rd(chunk, k) != 0) {
            fail("truncated trace in section", kind, id);
        }
        const size_t j = found ? k : kt_first_diff(chunk, a + off, k);
        if (j < k) {
            const uint32_t e = (off + (uint32_t)j) / esz, at = e * esz - off;
            report(index, kind, id, e, kt_word(chunk + at, esz), kt_word(a + e * esz, esz), (int)(2u * esz));
            found = 1;
        }
        off += k;
    }
}

#ifdef KT_ON_DEVICE
int main(void) {
    const char *name = "kt_trace.bin";
#else
int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "kt_trace.bin";
#endif
    if (open_trace(name) != 0) {
        fail("cannot open the trace", 0u, 0u);
    }
    if (u32() != MAGIC || u32() != 1u) {
        fail("not a version 1 kilotrain trace", 0u, 0u);
    }
    uint32_t records = 0u;
    for (;;) {
        const uint32_t tag = u32();
        if (tag == END) {
            break;
        }
        if (tag != RECORD) {
            fail("bad record tag after records", records, tag);
        }
        const uint32_t index = u32(), label = u32(), lr_bits = u32(), before = u32(), after = u32(), nt = u32();
        if (nt > (uint32_t)KT_CLASSES) {
            fail("targets (trace classes)", nt, (uint32_t)KT_CLASSES);
        }
        for (uint32_t i = 0u; i < nt; i++) {
            const uint32_t t = u32();
            memcpy(&target[i], &t, 4u);
        }
        float lr, loss;
        memcpy(&lr, &lr_bits, 4u);
        memcpy(&loss, &before, 4u);
        const uint32_t nin = u32();
        for (uint32_t i = 0u; i < nin; i++) {
            load();
        }
        kt_set_learning_rate(lr);
        if (kt_replay_run((int)index, (int)label, nt > 0u ? target : NULL, &loss) != 0) {
            fail("no such instruction (index)", index, 0u);
        }
        const uint32_t nout = u32();
        for (uint32_t i = 0u; i < nout; i++) {
            check(index);
        }
        uint32_t loss_bits;
        memcpy(&loss_bits, &loss, 4u);
        if (loss_bits != after) {
            report(index, LOSS_KIND, 0u, 0u, after, loss_bits, 8);
        }
        records++;
    }
    send(field(field(kt_put_str(line, "replay-done"), records), diffs));
    finish(0);
    return 0;
}
