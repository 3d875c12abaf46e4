/* common_drive.c: what every host backend that can block shares: the loop
 * driver (native, WASI preview1, WASI 0.2; the web drives from JavaScript
 * instead) and the debug note. Listed in every target's sources. */
#include <stdio.h>
#include "host/host.h"

int wa__drive_blocking(void)
{
    for (;;) {
        uint64_t dl;
        if (wa__loop_turn(&dl))
            return 0;
        if (dl == WA_NEVER && wa__host_pending() == 0) {
            wa__loop_stalled();
            continue;
        }
        wa__host_poll(dl);
    }
}

void wa__host_debug_note(const char *what)
{
    if (wa__debug_on())
        fprintf(stderr, "wasyncio: debug: %s\n", what ? what : "(null)");
}
