/* list.h: the one intrusive doubly-linked list, for the core and every
 * backend (core/backend.h includes it). A record links itself through its
 * own `prev` and `next` fields (other names with the _VIA forms, for a
 * record on several lists); a list is a struct with `head` and `tail`, oldest
 * first, both NULL when empty, so a zeroed list is a valid empty one and a
 * record in a task's frame needs no set-up. Appending and unlinking are O(1)
 * and allocate nothing.
 *
 * libuv's queue.h is the model: one list written once for everything. Its
 * circular sentinel would make an all-zero list invalid, so these are typed
 * macros over head/tail (like BSD's TAILQ): each list keeps its element
 * type, and code reading list.head gets a record, not a link.
 *
 *   struct waiter { struct waiter *prev, *next; ... };
 *   struct { struct waiter *head, *tail; } waiting = {0};
 *   WA_LIST_APPEND(&waiting, w);  ...  WA_LIST_UNLINK(&waiting, w);
 *   for (struct waiter *x = waiting.head; x; x = x->next) ...
 */
#ifndef WA_CORE_LIST_H
#define WA_CORE_LIST_H

#include <stddef.h>

/* Link node at the tail of list. node must not be in a list. */
#define WA_LIST_APPEND(list, node) WA_LIST_APPEND_VIA(list, node, prev, next)

/* Unlink node, which is in list, and clear its links. */
#define WA_LIST_UNLINK(list, node) WA_LIST_UNLINK_VIA(list, node, prev, next)

/* The same through links with other names, for a record on more than one
 * list (a task is on the loop's list of tasks and on its group's): prev and
 * next name the record's link fields, as BSD's TAILQ names its entry.
 *
 *   WA_LIST_APPEND_VIA(&group->live, t, kid_prev, kid_next);
 *   for (wa_task *k = group->live.head; k; k = k->kid_next) ...
 */
#define WA_LIST_APPEND_VIA(list, node, prev, next) \
    do {                                           \
        __typeof__(node) wa__l_node = (node);      \
        wa__l_node->next = NULL;                   \
        wa__l_node->prev = (list)->tail;           \
        if ((list)->tail)                          \
            (list)->tail->next = wa__l_node;       \
        else                                       \
            (list)->head = wa__l_node;             \
        (list)->tail = wa__l_node;                 \
    } while (0)

#define WA_LIST_UNLINK_VIA(list, node, prev, next)     \
    do {                                               \
        __typeof__(node) wa__l_node = (node);          \
        if (wa__l_node->prev)                          \
            wa__l_node->prev->next = wa__l_node->next; \
        else                                           \
            (list)->head = wa__l_node->next;           \
        if (wa__l_node->next)                          \
            wa__l_node->next->prev = wa__l_node->prev; \
        else                                           \
            (list)->tail = wa__l_node->prev;           \
        wa__l_node->prev = wa__l_node->next = NULL;    \
    } while (0)

#endif
