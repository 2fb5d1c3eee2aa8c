/* Text output helpers of the board programs (no printf on the device): each appends to o and returns the new end. */
#ifndef KT_PRINT_H
#define KT_PRINT_H

#include <stdint.h>

static inline char *kt_put_str(char *o, const char *s) {
    while (*s) {
        *o++ = *s++;
    }
    return o;
}

static inline char *kt_put_u(char *o, uint64_t v) {
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n) {
        *o++ = t[--n];
    }
    return o;
}

static inline char *kt_put_hex(char *o, uint32_t v, int digits) {
    for (int i = digits - 1; i >= 0; i--) {
        *o++ = "0123456789abcdef"[(v >> (4 * i)) & 0xFu];
    }
    return o;
}

#endif
