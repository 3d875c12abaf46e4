/* switch_aarch64.S: the AAPCS64 context switch and first-entry trampoline
 * for the native fiber backend (fiber_ctx_asm.h lays out the initial frame).
 *
 * Callee-saved state only: x19-x28, fp (x29), lr (x30), sp and the low
 * halves of v8-v15 (d8-d15); everything else is caller-saved already.
 *
 * Frame on the saved stack (160 bytes, keeps sp 16-byte aligned):
 *   [0] x19 x20  [16] x21 x22  [32] x23 x24  [48] x25 x26  [64] x27 x28
 *   [80] x29 x30  [96] d8 d9  [112] d10 d11  [128] d12 d13  [144] d14 d15
 */
#if defined(__aarch64__) && !defined(WA_FIBER_UCONTEXT)
    .text

/* void wa__ctx_switch(void **save_sp, void *new_sp) */
    .globl  wa__ctx_switch
    .hidden wa__ctx_switch
    .type   wa__ctx_switch, %function
    .p2align 4
wa__ctx_switch:
    .cfi_startproc
    sub     sp, sp, #160
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8,  d9,  [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8,  d9,  [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #160
    ret
    .cfi_endproc
    .size   wa__ctx_switch, .-wa__ctx_switch

/* First return of a new fiber lands here with x19 = argument and x20 = the
 * C start function; sp is 16-byte aligned. The start function never
 * returns. lr undefined ends debugger backtraces here. */
    .globl  wa__ctx_trampoline
    .hidden wa__ctx_trampoline
    .type   wa__ctx_trampoline, %function
    .p2align 4
wa__ctx_trampoline:
    .cfi_startproc
    .cfi_undefined x30
    mov     x0, x19
    blr     x20
    brk     #0
    .cfi_endproc
    .size   wa__ctx_trampoline, .-wa__ctx_trampoline
#endif

    .section .note.GNU-stack,"",%progbits
