/* sc_gen.c: scenario: async generators: values arrive in order with sleeps
 * between them (async_range), WA_FOR iterates, and leaving early (break or
 * wa_gen_close) runs the body's cleanup; a second close is WA_ECLOSED. */
#include "harness.h"

static int cleaned;

static void *async_range(void *arg)
{
    intptr_t n = (intptr_t)arg;
    for (intptr_t i = 0; i < n; i++) {
        wa_sleep(1);
        if (wa_gen_yield((void *)i) == WA_ECLOSED) {
            cleaned++;
            return NULL;
        }
    }
    return NULL;
}

static void test_range(void)
{
    wa_gen *g = wa_gen_new(async_range, (void *)(intptr_t)5);
    void *v;
    int got = 0, i = 0;
    while (wa_gen_next(g, &v) == 0) {
        got += (int)((intptr_t)v == i);
        i++;
    }
    CHECK_INT(i, 5);
    CHECK_INT(got, 5);
    CHECK_INT(wa_gen_next(g, &v), WA_EOF);
    CHECK_INT(wa_gen_free(g), 0);
}

static void test_for_break(void)
{
    cleaned = 0;
    wa_gen *g = wa_gen_new(async_range, (void *)(intptr_t)100);
    intptr_t v, last = -1;
    WA_FOR(v, g)
    {
        last = v;
        if (v == 2)
            break;
    }
    CHECK_INT(last, 2);
    CHECK_INT(cleaned, 1);
    CHECK_INT(wa_gen_free(g), 0);
}

static void test_close(void)
{
    cleaned = 0;
    wa_gen *g = wa_gen_new(async_range, (void *)(intptr_t)100);
    void *v;
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_INT(wa_gen_close(g), 0);
    CHECK_INT(cleaned, 1);
    CHECK_INT(wa_gen_close(g), WA_ECLOSED);
    CHECK_INT(wa_gen_free(g), 0);
}

static void *gen_fails(void *arg)
{
    (void)arg;
    wa_gen_yield((void *)1);
    return wa_raise(WA_EUSER - 3, "generator broke");
}

static void test_error(void)
{
    wa_gen *g = wa_gen_new(gen_fails, NULL);
    void *v;
    CHECK_INT(wa_gen_next(g, &v), 0);
    CHECK_INT(wa_gen_next(g, &v), WA_EUSER - 3);
    CHECK_INT(wa_gen_free(g), 0);
    CHECK(wa_gen_new(NULL, NULL) == NULL);
    CHECK_INT(wa_gen_next(NULL, &v), WA_EINVAL);
}

static const wa_h_test tests[] = {
    WA_H_TEST(test_range), WA_H_TEST(test_for_break), WA_H_TEST(test_close),
    WA_H_TEST(test_error), {0},
};

int main(void) { return wa_h_main(tests); }
