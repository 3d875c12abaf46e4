/* test_core_stress.c: many tasks doing random things to each other: sleeps,
 * yields, a lock, a bounded queue, an event, cancels, gathers, deadline
 * scopes and generators, from fixed seeds. The checks are invariants that
 * must hold whatever the interleaving: every task ends, the lock is free at
 * the end, no queue item is lost or duplicated, nothing hangs, and (under
 * ASan) nothing is touched after it is freed. Native only for its size and
 * for silencing the expected deadlock reports on stderr; the same workload
 * runs smaller on every target in tests/scenarios/sc_stress.c. */
#include "test_util.h"

#define STRESS_FAIL(msg)      tu_record(__FILE__, __LINE__, "%s", msg)
#define STRESS_CHECK_EQ(a, b) CHECK_EQ(a, b)
#include "scenarios/stress_workload.h"

/* The workload can truly deadlock (every live worker putting into a full
 * queue); the loop then reports it on stderr and fails the blocked calls
 * with WA_EDEADLK, which the workers ride through. Those expected reports
 * are kept off the test output. */
static void run_seed(uint64_t seed)
{
    stress_reset(seed);
    fflush(stderr);
    int saved = dup(2);
    FILE *null = fopen("/dev/null", "w");
    if (null)
        dup2(fileno(null), 2);
    run_main(stress_main, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (null)
        fclose(null);
}

static void test_stress_seed_1(void **state) { run_seed(0x9e3779b97f4a7c15u); }
static void test_stress_seed_2(void **state) { run_seed(0x2545f4914f6cdd1du); }
static void test_stress_seed_3(void **state) { run_seed(0xdeadbeefcafef00du); }

/* WASYNCIO_STRESS_SEEDS=N runs N more seeds (a longer soak, by hand). */
static void test_stress_more_seeds(void **state)
{
    const char *e = getenv("WASYNCIO_STRESS_SEEDS");
    long n = e ? strtol(e, NULL, 10) : 0;
    for (long i = 1; i <= n; i++)
        run_seed(0x9e3779b97f4a7c15u * (uint64_t)i + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress_seed_1),
        cmocka_unit_test(test_stress_seed_2),
        cmocka_unit_test(test_stress_seed_3),
        cmocka_unit_test(test_stress_more_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
