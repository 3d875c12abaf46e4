/* app.c: a user's program, built by tests/install/run.sh from an installed
 * prefix only, for every target: three tasks sleep concurrently and their
 * results are gathered in order; a second source file (greet.c) and a -D
 * flag check that the build commands take several sources and flags. */
#include <stdio.h>
#include <stdint.h>
#include <wasyncio.h>

/* A program tests the version at compile time. */
#if !defined(WASYNCIO_VERSION_HEX) || !WASYNCIO_VERSION_AT_LEAST(0, 2, 0)
#error "this program needs wasyncio 0.2.0 or later"
#endif

const char *greet(void); /* greet.c */

static void *nap(void *arg)
{
    intptr_t ms = (intptr_t)arg;
    if (wa_sleep((uint64_t)ms) < 0)
        return wa_raise(WA_ECANCELED, "nap interrupted");
    return (void *)(ms * 2);
}

static void *main_task(void *arg)
{
    wa_task *ts[3] = {wa_spawn(nap, (void *)30), wa_spawn(nap, (void *)10),
                      wa_spawn(nap, (void *)20)};
    void *results[3];
    int rc = wa_gather(ts, 3, results, NULL, 0);
    if (rc < 0)
        return wa_raise(rc, "gather: %s", wa_strerror(rc));
    printf("%s: %d %d %d\n", greet(), (int)(intptr_t)results[0], (int)(intptr_t)results[1],
           (int)(intptr_t)results[2]);
    printf("wasyncio %s: ok\n", WASYNCIO_VERSION);
    return NULL;
}

/* On the web wa_run does not return once the main task suspends; the
 * program then exits 0 or 1 when that task ends (see the README). */
int main(void) { return wa_run(main_task, NULL, NULL) == 0 ? 0 : 1; }
