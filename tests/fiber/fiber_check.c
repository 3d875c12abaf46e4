/* fiber_check.c: the native fiber backend alone (src/fiber/fiber.h), with no
 * loop, libuv or cmocka, so it can be built for another CPU and run under
 * qemu-user (the aarch64 switch) or with the ucontext fallback. Runs the
 * portable fiber cases (fiber_cases.h: switch order, many fibers, deep
 * stacks, callee-saved registers, alignment, bad input) and checks that a
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
#define CHECK(c)                                                \
    do {                                                        \
        if (c)                                                  \
            passed++;                                           \
        else {                                                  \
            failed++;                                           \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); \
        }                                                       \
    } while (0)

#define FIBER_CHECK CHECK
#include "fiber_cases.h"

/* Stands in for the core's name hook, for overflow messages. */
static const char *running_name;
static const char *get_running_name(void) { return running_name; }

static wa_fiber *mainf;

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
#define RUN_CASE(name) name();
    FIBER_CASES(RUN_CASE)
    check_overflow();
    wa__fiber_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
