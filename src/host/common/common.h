/* common.h: helpers that several host backends share (src/host/common/, in
 * every target's build). Not part of the contract: a backend may use them
 * to implement core/host.h.
 */
#ifndef WA_HOST_COMMON_H
#define WA_HOST_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* drive.c: the blocking driver (native, WASI preview1, WASI 0.2): turn, then
 * poll (the backend's wa__host_poll) until the next deadline; a stall
 * (nothing ready, timed, or pending by the backend's count) goes to
 * wa__loop_stalled. */
int wa__drive_blocking(void (*poll)(uint64_t deadline_ns), unsigned (*pending)(void));

/* drive.c: print what a target lacks (e.g. to_thread runs inline), in debug
 * mode only. */
void wa__host_debug_note(const char *what);

/* read_file.c: wa_read_file by synchronous reads in chunks, yielding between
 * them (for hosts whose file reads have nothing to wait on). */
int wa__read_file_chunked(const char *path, char **data, size_t *len);

/* errno_map.c: a positive errno (libc's, on every target) as a wasyncio
 * code: WA_ENOENT, WA_EACCES, WA_EADDRINUSE, WA_ECONNRESET, ...; WA_EIO for
 * anything without a name. */
int wa__errno_code(int err);

/* cabi_realloc.c (wasm builds): the exported allocator, and its answer to
 * zero-byte requests (never freed). Each wasm host backend refers to
 * cabi_realloc so that linking libwasyncio.a always brings it along. */
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size);
extern unsigned char wa__cabi_zero_block[16];

#endif
