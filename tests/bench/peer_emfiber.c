/* peer_emfiber.c: the task switch's peer in the web benchmark: Emscripten's
 * own fibers (emscripten_fiber_swap, emcc -sASYNCIFY), built by the same emcc
 * as wasyncio and run in Node and Chromium (web_bench_run.mjs). Main and one
 * fiber swap back and forth; prints "emfiber_swap_ns X", the best of 5 runs
 * of one-way swaps. */
#include <stdio.h>
#include <emscripten.h>
#include <emscripten/fiber.h>

#define SWAPS 200000L
#define RUNS  5

static emscripten_fiber_t main_fiber, other_fiber;
static char other_stack[64 * 1024];
static char other_asyncify[16 * 1024], main_asyncify[16 * 1024];

static void other_entry(void *arg)
{
    (void)arg;
    for (;;)
        emscripten_fiber_swap(&other_fiber, &main_fiber);
}

int main(void)
{
    emscripten_fiber_init_from_current_context(&main_fiber, main_asyncify, sizeof main_asyncify);
    emscripten_fiber_init(&other_fiber, other_entry, NULL, other_stack, sizeof other_stack,
                          other_asyncify, sizeof other_asyncify);
    for (long i = 0; i < SWAPS / 20; i++) /* warm-up */
        emscripten_fiber_swap(&main_fiber, &other_fiber);
    double best = 0;
    for (int r = 0; r < RUNS; r++) {
        double t0 = emscripten_get_now();
        for (long i = 0; i < SWAPS / 2; i++)
            emscripten_fiber_swap(&main_fiber, &other_fiber);
        double ns = (emscripten_get_now() - t0) * 1e6 / SWAPS;
        if (r == 0 || ns < best)
            best = ns;
    }
    printf("emfiber_swap_ns %.1f\n", best);
    return 0;
}
