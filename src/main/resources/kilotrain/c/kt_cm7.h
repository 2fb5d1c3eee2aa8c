/* Cortex-M7 (mps2-an500) runtime services of the kilotrain demo. */
#ifndef KT_CM7_H
#define KT_CM7_H

#include <stdint.h>

/* SysTick ticks since reset (25 MHz of virtual time on QEMU's mps2-an500). */
uint64_t kt_ticks(void);
/* Deepest stack use so far, in bytes (painted stack). */
uint32_t kt_stack_used(void);
void kt_write(const char *s);
void kt_exit(int code);
/* An ARM semihosting call (op in r0, argument block in r1); returns r0. */
int kt_semihost(int op, const void *arg);

#endif
