/* switch_x86_64.S: the x86-64 SysV context switch and first-entry trampoline
 * for the native fiber backend (fiber_ctx_asm.h lays out the initial frame).
 *
 * Only callee-saved state is kept: the caller of wa__ctx_switch already
 * treats every other register as clobbered. MXCSR and the x87 control word
 * are callee-saved per the ABI, so a fiber that changes rounding mode must
 * not leak it into the others.
 *
 * Frame on the saved stack, from the saved sp upward:
 *   [0] MXCSR (4 bytes) + x87 CW (2 bytes)  [8] r15  [16] r14  [24] r13
 *   [32] r12  [40] rbx  [48] rbp  [56] return address
 */
#if defined(__x86_64__) && !defined(WA_FIBER_UCONTEXT)
    .text

/* void wa__ctx_switch(void **save_sp, void *new_sp) */
    .globl  wa__ctx_switch
    .hidden wa__ctx_switch
    .type   wa__ctx_switch, @function
    .p2align 4
wa__ctx_switch:
    .cfi_startproc
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .cfi_endproc
    .size   wa__ctx_switch, .-wa__ctx_switch

/* First return of a new fiber lands here with r12 = argument and r13 = the
 * C start function; rsp is 16-byte aligned, so the call below gives the
 * callee the ABI alignment. The start function never returns. Marking rip
 * undefined ends debugger backtraces here instead of walking into garbage. */
    .globl  wa__ctx_trampoline
    .hidden wa__ctx_trampoline
    .type   wa__ctx_trampoline, @function
    .p2align 4
wa__ctx_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq    %r12, %rdi
    callq   *%r13
    ud2
    .cfi_endproc
    .size   wa__ctx_trampoline, .-wa__ctx_trampoline
#endif

    .section .note.GNU-stack,"",@progbits
