/*
 * What the C self-tests (kt_kernel_test.c, kt_fused_test.c) share: output on the host (stdout) or the board
 * (semihosting, built with -DKT_ON_DEVICE), their random draws (xorshift32 from KT_TEST_SEED, defined before this
 * header) and their one result line.
 */
#ifndef KT_SELFTEST_H
#define KT_SELFTEST_H

#include "kt_kernels.h"
#include "kt_print.h"

#ifdef KT_ON_DEVICE
#include "kt_cm7.h"
#define OUT(s) kt_write(s)
#else
#include <stdio.h>
#define OUT(s) fputs(s, stdout)
#endif

static uint32_t rng = KT_TEST_SEED;

/* A draw in [0, n). */
static int rnd(int n) {
    return (int)(kt_xorshift32(&rng) % (uint32_t)n);
}

/* Prints "<text><a>", then " <b>" when b >= 0, then "<tail>\n": a test's result or first mismatch. */
static void kt_test_line(const char *text, unsigned a, int b, const char *tail) {
    char msg[128], *o = kt_put_u(kt_put_str(msg, text), a);
    if (b >= 0) {
        o = kt_put_u(kt_put_str(o, " "), (unsigned)b);
    }
    o = kt_put_str(kt_put_str(o, tail), "\n");
    *o = '\0';
    OUT(msg);
}

#endif
