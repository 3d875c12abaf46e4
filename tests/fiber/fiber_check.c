/* fiber_check.c: the native fiber backend alone (src/fiber/fiber.h), with no
 * loop, libuv or cmocka, so it can be built for another CPU and run under
 * qemu-user (the aarch64 switch) or with the ucontext fallback. Checks the
 * switch order, many fibers, deep stacks, that callee-saved integer and
 * floating-point registers survive switches, stack alignment, and that a
 * stack overflow is reported by name. Ends with `N passed, N failed`. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wasyncio.h>

#include "fiber/fiber.h"

static int passed, failed;
#define CHECK(c)                                                           \
    do {                                                                   \
        if (c) passed++;                                                   \
        else {                                                             \
            failed++;                                                      \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);            \
        }                                                                  \
    } while (0)

/* Stands in for the core's name hook, for overflow messages. */
static const char *running_name;
static const char *get_running_name(void) { return running_name; }

static wa_fiber *mainf, *fa, *fb;
static char trace[64];
static int tn;

static void *ping(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        trace[tn++] = 'a';
        wa__fiber_switch(fa, fb);
    }
    wa__fiber_switch(fa, mainf);
    return NULL;
}

static void *pong(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        trace[tn++] = 'b';
        wa__fiber_switch(fb, fa);
    }
    return NULL;
}

static void check_ping_pong(void)
{
    tn = 0;
    CHECK(wa__fiber_create(&fa, 0, 0, ping, NULL, NULL) == 0);
    CHECK(wa__fiber_create(&fb, 0, 0, pong, NULL, NULL) == 0);
    wa__fiber_switch(mainf, fa);
    trace[tn] = '\0';
    CHECK(strcmp(trace, "ababab") == 0);
    wa__fiber_free(fa);
    wa__fiber_free(fb);
}

/* Values kept in callee-saved registers across a switch must come back. */
static wa_fiber *fr;
static volatile double fsum;
static void *clobber(void *arg)
{
    (void)arg;
    for (;;) {
        volatile double x = 1.0;
        for (int i = 0; i < 64; i++) x = x * 1.5 + (double)i; /* uses FP regs */
        fsum = x;
        wa__fiber_switch(fr, mainf);
    }
    return NULL;
}

static void check_registers(void)
{
    CHECK(wa__fiber_create(&fr, 0, 0, clobber, NULL, NULL) == 0);
    register double d1 = 3.25, d2 = -7.5, d3 = 1e10;
    register long i1 = 12345, i2 = -99, i3 = 0x5a5a5a5a;
    for (int round = 0; round < 100; round++) {
        wa__fiber_switch(mainf, fr);
        d1 += 1.0;
        i1 += 1;
    }
    CHECK(d1 == 103.25 && d2 == -7.5 && d3 == 1e10);
    CHECK(i1 == 12445 && i2 == -99 && i3 == 0x5a5a5a5a);
    wa__fiber_free(fr);
}

/* A fiber's first frame is ABI-aligned (16 bytes on both CPUs). */
static wa_fiber *fal;
static uintptr_t seen_sp;
static void *align_probe(void *arg)
{
    (void)arg;
    char probe __attribute__((aligned(16)));
    seen_sp = (uintptr_t)&probe;
    wa__fiber_switch(fal, mainf);
    return NULL;
}

static void check_alignment(void)
{
    CHECK(wa__fiber_create(&fal, 0, 0, align_probe, NULL, NULL) == 0);
    wa__fiber_switch(mainf, fal);
    CHECK(seen_sp % 16 == 0);
    wa__fiber_free(fal);
}

/* Many fibers, each parked once, then resumed in order. */
#define MANY 2000
static wa_fiber *many[MANY];
static int resumed;
static void *parker(void *arg)
{
    intptr_t i = (intptr_t)arg;
    wa__fiber_switch(many[i], mainf);
    resumed++;
    wa__fiber_switch(many[i], mainf);
    return NULL;
}

static void check_many(void)
{
    int ok = 1;
    for (intptr_t i = 0; i < MANY; i++) {
        ok &= wa__fiber_create(&many[i], 64 * 1024, 0, parker, (void *)i, NULL) == 0;
        wa__fiber_switch(mainf, many[i]);
    }
    CHECK(ok);
    for (int i = 0; i < MANY; i++) wa__fiber_switch(mainf, many[i]);
    CHECK(resumed == MANY);
    for (int i = 0; i < MANY; i++) wa__fiber_free(many[i]);
}

/* Deep recursion that fits in the stack. */
static wa_fiber *fd;
static int depth_reached;
static int recurse(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    if (n == 0) return pad[0];
    return recurse(n - 1) + pad[0] - (char)n;
}

static void *deep(void *arg)
{
    (void)arg;
    depth_reached = recurse(500) == 0 ? 500 : -1;
    wa__fiber_switch(fd, mainf);
    return NULL;
}

static void check_deep(void)
{
    CHECK(wa__fiber_create(&fd, 256 * 1024, 0, deep, NULL, NULL) == 0);
    wa__fiber_switch(mainf, fd);
    CHECK(depth_reached == 500);
    wa__fiber_free(fd);
}

/* Overflow: a child process recurses without end on a small stack; it must
 * die with a message naming the task. */
static wa_fiber *fo;
static int endless(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    return endless(n + 1) + pad[0];
}

static void *overflow(void *arg)
{
    (void)arg;
    endless(0);
    wa__fiber_switch(fo, mainf);
    return NULL;
}

static void check_overflow(void)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        CHECK(0);
        return;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        running_name = "deep-one";
        wa__fiber_create(&fo, 32 * 1024, 0, overflow, NULL, NULL);
        wa__fiber_switch(mainf, fo);
        _exit(0); /* not reached if the overflow is caught */
    }
    close(pipefd[1]);
    char buf[1024] = {0};
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(pipefd[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(strstr(buf, "stack overflow") != NULL);
    CHECK(strstr(buf, "deep-one") != NULL);
}

int main(void)
{
    if (wa__fiber_init(&(wa_fiber_hooks){.running_name = get_running_name}) != 0) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    mainf = wa__fiber_main();
    check_ping_pong();
    check_registers();
    check_alignment();
    check_many();
    check_deep();
    check_overflow();
    wa__fiber_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
