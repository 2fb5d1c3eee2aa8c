/* The one comparison of the C tests and the instruction replay: where two byte ranges first differ. */
#ifndef KT_CHECK_H
#define KT_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Index of the first byte where expected and actual differ, or n when all n bytes are equal. */
static inline size_t kt_first_diff(const void *expected, const void *actual, size_t n) {
    const uint8_t *e = (const uint8_t *)expected, *a = (const uint8_t *)actual;
    size_t i = 0;
    while (i < n && e[i] == a[i]) {
        i++;
    }
    return i;
}

/* An element of 1, 2 or 4 bytes (little-endian) as an unsigned word, for printing in hex. */
static inline uint32_t kt_word(const void *p, size_t bytes) {
    const uint8_t *b = (const uint8_t *)p;
    uint32_t v = 0;
    for (size_t i = bytes; i > 0; i--) {
        v = (v << 8) | b[i - 1];
    }
    return v;
}

#endif
