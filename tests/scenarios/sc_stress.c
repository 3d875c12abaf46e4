/* sc_stress.c: the randomized stress workload (tests/scenarios/stress_workload.h) on
 * every target: on the wasm builds every one of its thousands of switches
 * is an Asyncify unwind and rewind, through generators, groups, gathers and
 * cancellations at random points. Smaller than the native cmocka run. */
#include "harness.h"

#define WORKERS               32
#define STEPS                 40
#define STRESS_FAIL(msg)      wa_h_fail(__FILE__, __LINE__, msg)
#define STRESS_CHECK_EQ(a, b) CHECK_INT(a, b)
#include "stress_workload.h"

static void test_stress_seed_a(void)
{
    stress_reset(0x9e3779b97f4a7c15u);
    stress_main(NULL);
    CHECK(W.next_item > 0); /* the workload did run */
}

static void test_stress_seed_b(void)
{
    stress_reset(0xdeadbeefcafef00du);
    stress_main(NULL);
    CHECK(W.next_item > 0);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_stress_seed_a),
    WA_H_TEST(test_stress_seed_b),
    {0},
};

int main(void) { return wa_h_main(tests); }
