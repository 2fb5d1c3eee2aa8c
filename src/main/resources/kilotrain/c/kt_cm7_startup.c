/*
 * Minimal Cortex-M7 runtime for the mps2-an500 board under QEMU: vector table, reset (FPU on, .data copied, .bss
 * zeroed, stack painted), a 64-bit SysTick counter and ARM semihosting output and exit.
 */
#include "kt_cm7.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _sstack, _estack;
int main(void);
void Reset_Handler(void);
void SysTick_Handler(void);
void Default_Handler(void);

#define KT_PAINT 0xC5C5C5C5u

__attribute__((section(".isr_vector"), used)) void (*const kt_vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&_estack, Reset_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, 0, 0, 0, 0, Default_Handler, Default_Handler, 0, Default_Handler,
    SysTick_Handler,
};

static volatile uint32_t kt_systick_wraps;

void Default_Handler(void) {
    kt_write("fault\n");
    kt_exit(3);
}

void SysTick_Handler(void) {
    kt_systick_wraps++;
}

void Reset_Handler(void) {
    /* CP10/CP11 full access before any floating point instruction */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    uint32_t *src = &_sidata;
    for (uint32_t *d = &_sdata; d < &_edata;) {
        *d++ = *src++;
    }
    for (uint32_t *d = &_sbss; d < &_ebss;) {
        *d++ = 0;
    }
    /* paint the stack below the current frame so kt_stack_used can find the deepest use */
    uint32_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *d = &_sstack; (uintptr_t)d < sp - 256u;) {
        *d++ = KT_PAINT;
    }
    *(volatile uint32_t *)0xE000E014u = 0x00FFFFFFu; /* SysTick reload */
    *(volatile uint32_t *)0xE000E018u = 0;           /* current value */
    *(volatile uint32_t *)0xE000E010u = 7u;          /* processor clock, interrupt, enable */
    while (*(volatile uint32_t *)0xE000E018u == 0u) {
        /* the cleared counter reloads on the first tick: start counting from there */
    }
    kt_exit(main());
}

uint64_t kt_ticks(void) {
    uint32_t w, v;
    do {
        w = kt_systick_wraps;
        v = *(volatile uint32_t *)0xE000E018u;
    } while (w != kt_systick_wraps);
    return (uint64_t)w * 0x01000000u + (0x00FFFFFFu - v);
}

uint32_t kt_stack_used(void) {
    uint32_t *p = &_sstack;
    while (p < &_estack && *p == KT_PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)&_estack - (uintptr_t)p);
}

int kt_semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void kt_write(const char *s) {
    kt_semihost(0x04, s); /* SYS_WRITE0 */
}

void kt_exit(int code) {
    /* SYS_EXIT_EXTENDED: ADP_Stopped_ApplicationExit with the exit code */
    uint32_t block[2] = {0x20026u, (uint32_t)code};
    kt_semihost(0x20, block);
    kt_semihost(0x18, (const void *)0x20026u); /* plain SYS_EXIT if the extended call is not supported */
    for (;;) {
    }
}
