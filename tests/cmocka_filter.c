/* cmocka_filter.c: linked into every cmocka suite (tests/native/,
 * tests/fiber/): WASYNCIO_TEST_FILTER='glob' runs only the cases whose name
 * it matches (cmocka_set_test_filter: * and ?), the same variable the
 * portable scenarios read (tests/scenarios/harness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

__attribute__((constructor)) static void wa_t_filter_from_env(void)
{
    const char *filter = getenv("WASYNCIO_TEST_FILTER");
    if (filter && *filter)
        cmocka_set_test_filter(filter);
}
