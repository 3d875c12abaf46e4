/* grow.h: growing an array by doubling, written once for the core and every
 * backend (core/backend.h includes it). */
#ifndef WA_CORE_GROW_H
#define WA_CORE_GROW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "wasyncio.h"

/* Make the array *array_ptr (a pointer to the array's pointer, of *cap
 * elements of elem bytes) hold at least need elements: its capacity doubles
 * from first (when it is 0) until need fits, but never past max (need <= max:
 * a bounded ring allocates no slot it may never use). Returns 0, or WA_ENOMEM
 * with the array and *cap untouched (the size would overflow, or realloc
 * failed). Amortised O(1) per element appended. */
static inline int wa__grow_upto(void *array_ptr, size_t *cap, size_t need, size_t elem,
                                size_t first, size_t max)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : (first ? first : 1);
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return WA_ENOMEM;
        ncap *= 2;
    }
    if (ncap > max)
        ncap = max;
    if (ncap < need || (elem && ncap > SIZE_MAX / elem))
        return WA_ENOMEM;
    void *old, *grown;
    memcpy(&old, array_ptr, sizeof old); /* any T **, without aliasing it */
    grown = realloc(old, ncap * elem);
    if (!grown)
        return WA_ENOMEM;
    memcpy(array_ptr, &grown, sizeof grown);
    *cap = ncap;
    return 0;
}

/* wa__grow_upto with no bound but memory. */
static inline int wa__grow(void *array_ptr, size_t *cap, size_t need, size_t elem, size_t first)
{
    return wa__grow_upto(array_ptr, cap, need, elem, first, SIZE_MAX);
}

#endif
