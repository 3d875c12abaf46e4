/* web.h: internals shared by the Emscripten host files (loop.c owns them;
 * js.c, call.c and fetch.c use them). */
#ifndef WA_HOST_WEB_H
#define WA_HOST_WEB_H

/* Count of host operations whose JS callback can wake a task (fetches in
 * flight, awaited promises): wa__host_pending() reports it. */
void wa__web_pending_add(int delta);

/* Mark the next wa_run as started by a JS call (its wa__host_drive returns
 * WA_EBUSY instead of unwinding to JS). Returns the previous value. */
int wa__web_lib_mode(int on);

/* A task was made ready from outside the loop (a JS call) while the loop is
 * idle in JS: run it now in a loop started for JS calls, else arrange a
 * zero-delay wake-up. */
void wa__web_run_soon(void);

/* The same for the task t a JS call just spawned: when t is all the idle
 * loop has to do, run it at once without a whole slice. */
void wa__web_run_now(wa_task *t);

/* Run a slice of the loop now (JS wake-ups and op callbacks end here). */
void wa__web_resume(void);

#endif
