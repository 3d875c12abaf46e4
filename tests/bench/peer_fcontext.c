/* peer_fcontext.c: the native switch's peer in `make bench` (bench_core.sh):
 * Boost.Context's jump_fcontext (Debian libboost-context-dev), main <-> one
 * context ping-pong, the same loop fiber_switch.c times for wa__fiber_switch.
 * Prints "fcontext_switch_ns X": one-way switch, median of 7 runs of 10M.
 * The two functions are Boost's C-linkage assembly entry points
 * (boost/context/detail/fcontext.hpp), declared here so this stays C. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void *fcontext_t;
typedef struct {
    fcontext_t fctx;
    void *data;
} transfer_t;
extern transfer_t jump_fcontext(fcontext_t const to, void *vp);
extern fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(transfer_t));

#define RUNS     7
#define SWITCHES 10000000L
#define STACK    (64 * 1024)

#include "bench_clock.h"

/* Jump straight back to whoever jumped here, for ever. */
static void pingpong(transfer_t t)
{
    for (;;)
        t = jump_fcontext(t.fctx, NULL);
}

int main(void)
{
    char *stack = malloc(STACK);
    if (!stack)
        return 1;
    /* make_fcontext takes the top of the stack (it grows down). */
    fcontext_t ctx = make_fcontext(stack + STACK, STACK, pingpong);
    double v[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_ns();
        for (long i = 0; i < SWITCHES / 2; i++)
            ctx = jump_fcontext(ctx, NULL).fctx;
        v[r] = (now_ns() - t0) / SWITCHES;
    }
    printf("fcontext_switch_ns %.2f\n", median(v, RUNS));
    free(stack);
    return 0;
}
