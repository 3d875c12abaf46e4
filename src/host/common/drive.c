/* drive.c: what every host backend that can block shares: the loop driver
 * (native, WASI preview1, WASI 0.2; the web drives from JavaScript instead)
 * and the debug note. The backend hands the driver its poll and pending
 * count, so this file calls the core and never back into a backend. */
#include <stdio.h>
#include "core/host.h"
#include "core/backend.h"
#include "host/common/common.h"

int wa__drive_blocking(void (*poll)(uint64_t deadline_ns), unsigned (*pending)(void))
{
    for (;;) {
        uint64_t dl;
        if (wa__loop_turn(&dl))
            return 0;
        if (dl == WA_NEVER && pending() == 0) {
            wa__loop_stalled();
            continue;
        }
        poll(dl);
    }
}

void wa__host_debug_note(const char *what)
{
    if (wa__debug_on())
        fprintf(stderr, "wasyncio: debug: %s\n", what ? what : "(null)");
}
