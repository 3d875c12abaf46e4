/* opt_lib.c: a tiny library build for tests/web/opt_levels.sh: JS awaits a C
 * coroutine that sleeps and answers, at every -O level. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasyncio.h>

static void *echo_after_nap(void *arg)
{
    if (wa_sleep(5) < 0)
        return wa_raise(WA_ECANCELED, "nap interrupted");
    const char *json = arg;
    char *out = malloc(strlen(json) + 16);
    if (out)
        sprintf(out, "{\"echo\":%s}", json);
    return out;
}
WA_JS_EXPORT(echo_after_nap)
