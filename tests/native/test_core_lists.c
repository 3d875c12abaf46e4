/* test_core_lists.c: the low-level pieces every layer shares, through their
 * headers: the intrusive list (core/list.h: order, unlinking head, middle
 * and tail, a zeroed list is empty, a record on two lists through links with
 * other names) and the array grow helper (core/grow.h: first capacity,
 * doubling, a bound, and sizes that would overflow refused with the array
 * left as it was). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>

#include "core/backend.h"

struct node {
    struct node *prev, *next;
    int id;
};
struct nodes {
    struct node *head, *tail;
};

static void expect_order(const struct nodes *l, const char *want)
{
    char got[16];
    size_t n = 0;
    for (struct node *x = l->head; x && n + 1 < sizeof got; x = x->next)
        got[n++] = (char)('0' + x->id);
    got[n] = '\0';
    assert_string_equal(got, want);
    /* the back links say the same, reversed */
    n = 0;
    for (struct node *x = l->tail; x; x = x->prev)
        n++;
    assert_int_equal(n, strlen(want));
}

static void test_list_append_and_unlink(void **state)
{
    (void)state;
    struct nodes l = {0};
    struct node v[4] = {{.id = 0}, {.id = 1}, {.id = 2}, {.id = 3}};
    expect_order(&l, "");
    for (int i = 0; i < 4; i++)
        WA_LIST_APPEND(&l, &v[i]);
    expect_order(&l, "0123");
    WA_LIST_UNLINK(&l, &v[2]); /* middle */
    expect_order(&l, "013");
    assert_null(v[2].prev);
    assert_null(v[2].next);
    WA_LIST_UNLINK(&l, &v[0]); /* head */
    expect_order(&l, "13");
    WA_LIST_UNLINK(&l, &v[3]); /* tail */
    expect_order(&l, "1");
    WA_LIST_APPEND(&l, &v[2]);
    expect_order(&l, "12");
    WA_LIST_UNLINK(&l, &v[1]);
    WA_LIST_UNLINK(&l, &v[2]);
    assert_null(l.head);
    assert_null(l.tail);
}

/* A record on two lists at once, through links with other names. */
struct twice {
    struct twice *a_prev, *a_next, *b_prev, *b_next;
    int id;
};
struct twice_list {
    struct twice *head, *tail;
};

static void test_list_via_other_links(void **state)
{
    (void)state;
    struct twice_list a = {0}, b = {0};
    struct twice v[3] = {{.id = 0}, {.id = 1}, {.id = 2}};
    for (int i = 0; i < 3; i++)
        WA_LIST_APPEND_VIA(&a, &v[i], a_prev, a_next);
    for (int i = 2; i >= 0; i--)
        WA_LIST_APPEND_VIA(&b, &v[i], b_prev, b_next);
    WA_LIST_UNLINK_VIA(&a, &v[1], a_prev, a_next);
    assert_null(v[1].a_prev);
    assert_null(v[1].a_next);
    assert_ptr_equal(a.head, &v[0]);
    assert_ptr_equal(v[0].a_next, &v[2]);
    assert_ptr_equal(v[2].a_prev, &v[0]);
    assert_ptr_equal(a.tail, &v[2]);
    /* the other list is untouched: 2 1 0 */
    assert_ptr_equal(b.head, &v[2]);
    assert_ptr_equal(v[2].b_next, &v[1]);
    assert_ptr_equal(v[1].b_next, &v[0]);
    assert_ptr_equal(b.tail, &v[0]);
    assert_ptr_equal(v[0].b_prev, &v[1]);
    WA_LIST_UNLINK_VIA(&b, &v[2], b_prev, b_next);
    WA_LIST_UNLINK_VIA(&b, &v[0], b_prev, b_next);
    assert_ptr_equal(b.head, &v[1]);
    assert_ptr_equal(b.tail, &v[1]);
}

static void test_grow(void **state)
{
    (void)state;
    int *a = NULL;
    size_t cap = 0;
    assert_int_equal(wa__grow(&a, &cap, 0, sizeof *a, 8), 0); /* nothing needed */
    assert_null(a);
    assert_int_equal(wa__grow(&a, &cap, 1, sizeof *a, 8), 0);
    assert_int_equal(cap, 8);
    for (int i = 0; i < 8; i++)
        a[i] = i;
    assert_int_equal(wa__grow(&a, &cap, 9, sizeof *a, 8), 0);
    assert_int_equal(cap, 16);
    assert_int_equal(wa__grow(&a, &cap, 100, sizeof *a, 8), 0);
    assert_int_equal(cap, 128);
    for (int i = 0; i < 8; i++)
        assert_int_equal(a[i], i); /* kept across the moves */
    int *before = a;
    assert_int_equal(wa__grow(&a, &cap, SIZE_MAX / 2, sizeof *a, 8), WA_ENOMEM);
    assert_int_equal(wa__grow(&a, &cap, SIZE_MAX, 1, 8), WA_ENOMEM);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 128);
    assert_int_equal(wa__grow(&a, &cap, 50, sizeof *a, 8), 0); /* fits: untouched */
    assert_ptr_equal(a, before);
    free(a);
}

/* A bounded ring: doubling stops at max, and need past max is refused. */
static void test_grow_upto(void **state)
{
    (void)state;
    int *a = NULL;
    size_t cap = 0;
    assert_int_equal(wa__grow_upto(&a, &cap, 1, sizeof *a, 16, 20), 0);
    assert_int_equal(cap, 16);
    assert_int_equal(wa__grow_upto(&a, &cap, 17, sizeof *a, 16, 20), 0);
    assert_int_equal(cap, 20); /* not 32 */
    int *before = a;
    assert_int_equal(wa__grow_upto(&a, &cap, 21, sizeof *a, 16, 20), WA_ENOMEM);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, 20);
    free(a);
    a = NULL;
    cap = 0;
    assert_int_equal(wa__grow_upto(&a, &cap, 1, sizeof *a, 16, 1), 0); /* first past max */
    assert_int_equal(cap, 1);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_append_and_unlink),
        cmocka_unit_test(test_list_via_other_links),
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_grow_upto),
    };
    return cmocka_run_group_tests_name("core_lists", tests, NULL, NULL);
}
