/* cabi_realloc.c: the core module's exported cabi_realloc, in both WASI
 * builds (preview1 and 0.2; other targets compile this file to nothing).
 * The preview1 component adapter (jco new, wasm-tools component new) and
 * WASI 0.2 hosts allocate in our memory through it. Without it the adapter grows linear memory by itself, behind
 * wasi-libc's dlmalloc, which then corrupts its heap once memory grows again
 * (found by tests/scenarios/sc_stress.c under jco run). The 2022 wasi-libc
 * has no cabi_realloc of its own. */
#include <stdlib.h>

#include "core/host.h"
#include "host/common/common.h"

#if defined(__wasi__)

/* Zero-byte requests get this address, so they allocate nothing and a
 * later free of a zero-length list is a no-op either way. */
_Alignas(16) unsigned char wa__cabi_zero_block[16];

__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size,
                                                                size_t align, size_t new_size)
{
    (void)old_size;
    (void)align; /* the ABI's largest alignment is 8; dlmalloc gives 16 */
    if (old == (void *)wa__cabi_zero_block)
        old = NULL;
    if (new_size == 0) {
        free(old);
        return wa__cabi_zero_block;
    }
    void *p = realloc(old, new_size);
    /* The ABI has no failure path: a host allocation we cannot satisfy
     * would otherwise become a write through NULL. */
    if (!p)
        abort();
    return p;
}

#endif /* __wasi__ */
