/* wasyncio.h: the one public header of wasyncio, asyncio-style stackful tasks for C.
 *
 * The model is Python's asyncio: wa_run() runs a loop until its main task
 * finishes; tasks are spawned, awaited, gathered, cancelled and given
 * deadlines; every suspension point (an await, a sleep, a lock, a queue, a
 * fetch) can return WA_ECANCELED or WA_ETIMEDOUT so cleanup code runs.
 *
 * One loop runs per thread. Every function that suspends must be called from
 * inside a task of a running loop; outside one it returns WA_ENOLOOP.
 * Errors are negative int codes; wa_strerror() names them. Functions that
 * return a pointer return NULL on error and leave the code in wa_last_error().
 *
 * Targets: native (Linux x86-64/aarch64, libuv), WASI preview1 and 0.2
 * (Asyncify), and the browser/Node through Emscripten (Asyncify). What a target
 * cannot do returns WA_ENOTSUP; the README lists those cases.
 */
#ifndef WASYNCIO_H
#define WASYNCIO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WASYNCIO_VERSION "0.1.0"

/* ------------------------------------------------------------------ errors */

enum {
    WA_OK = 0,
    WA_EINVAL = -1,        /* NULL or invalid argument, or a stale task handle */
    WA_ENOMEM = -2,        /* out of memory (or stack/Asyncify buffer space) */
    WA_ENOLOOP = -3,       /* called outside a running loop or outside a task */
    WA_ENESTED = -4,       /* wa_run() called from inside a running loop */
    WA_ECANCELED = -5,     /* the task was cancelled */
    WA_ETIMEDOUT = -6,     /* a deadline (wa_timeout scope, wa_wait_for) expired */
    WA_EDEADLK = -7,       /* awaiting itself, an await cycle, or every task blocked forever */
    WA_ECLOSED = -8,       /* the queue or generator is closed (also: closed twice) */
    WA_EOF = -9,           /* the generator is exhausted */
    WA_EDONE = -10,        /* the task has already finished (e.g. cancelling it) */
    WA_EBUSY = -11,        /* object still in use (waiters present, generator running) */
    WA_EPERM = -12,        /* releasing a lock the caller does not hold, sem over-release */
    WA_ENOTSUP = -13,      /* not available on this target */
    WA_EFAILED = -14,      /* a task failed with wa_raise() and no specific code */
    WA_EIO = -15,          /* an operating-system I/O error */
    WA_ESTACK = -16,       /* stack or Asyncify buffer overflow */
    WA_ENOTCAPABLE = -17,  /* WASI: the path is outside every preopened directory */
    /* HTTP client */
    WA_EURL = -20,         /* malformed URL */
    WA_ESCHEME = -21,      /* unsupported URL scheme */
    WA_EDNS = -22,         /* host name could not be resolved */
    WA_ECONNREFUSED = -23, /* connection refused */
    WA_ENET = -24,         /* other network failure (reset, unreachable, TLS) */
    WA_ETOOBIG = -25,      /* body (or headers) over the configured limit */
    WA_EPROTO = -26,       /* malformed HTTP response */
    WA_EHTTP = -27,        /* non-2xx status, only with WA_FETCH_RAISE_FOR_STATUS */
    WA_EJS = -28,          /* a JavaScript promise rejected */
    WA_EUSER = -1000       /* codes <= WA_EUSER are the application's own */
};

/* Name of an error code ("operation cancelled", ...); never NULL. */
const char *wa_strerror(int code);

/* The code left by the last call on this thread that returned NULL. */
int wa_last_error(void);

/* ---------------------------------------------------------------- the loop */

typedef struct wa_task wa_task;

/* A task body. Its return value is the task's result. To fail, return
 * wa_raise(code, ...). */
typedef void *(*wa_fn)(void *arg);

/* Run fn(arg) as the main task of a new loop on this thread; return when it
 * finishes. Tasks still pending then are cancelled and run to completion, as
 * asyncio.run() does. Returns 0 and stores the result, or the main task's
 * error code. Inside a running loop it returns WA_ENESTED and changes nothing.
 *
 * Browser: if the main task suspends, wa_run() cannot block the page. Like
 * emscripten_set_main_loop() it hands control back to JavaScript and never
 * returns; when the main task ends the program exits with status 0 (success)
 * or 1. Put the program's work inside the main task. */
int wa_run(wa_fn fn, void *arg, void **result);

/* Is a loop running on this thread? */
int wa_running(void);

/* Monotonic clocks: milliseconds and nanoseconds (libuv's uv_now/uv_hrtime). */
uint64_t wa_now(void);
uint64_t wa_hrtime(void);

/* --------------------------------------------------------------- tasks */

typedef struct wa_task_opts {
    const char *name;     /* copied; default "task-N" */
    size_t stack_size;    /* 0 = runtime default */
    size_t asyncify_size; /* wasm targets: Asyncify buffer bytes; 0 = default */
} wa_task_opts;

/* Create a task (asyncio.create_task). It starts at the next scheduling point.
 * The handle stays valid until wa_release() or the end of wa_run(). */
wa_task *wa_spawn(wa_fn fn, void *arg);
wa_task *wa_spawn_opts(wa_fn fn, void *arg, const wa_task_opts *opts);

/* Wait for t and take its result. Awaiting a finished task again returns the
 * same result. If the waiting task is cancelled or times out, t is cancelled
 * too and waited for, and the interruption code is returned (asyncio). */
int wa_await(wa_task *t, void **result);

/* Like wa_await, but an interruption of the waiter leaves t running
 * (asyncio.shield). */
int wa_await_shielded(wa_task *t, void **result);

/* Await t with a deadline; on expiry t is cancelled and WA_ETIMEDOUT returned
 * (asyncio.wait_for). */
int wa_wait_for(wa_task *t, uint64_t ms, void **result);

/* Request cancellation: t's current or next suspension point returns
 * WA_ECANCELED. A task that never started does not run. A task that returns
 * after a cancellation was delivered ends as cancelled unless it called
 * wa_uncancel(). Returns WA_EDONE if t already finished. */
int wa_cancel(wa_task *t);

/* Inside a task: forget a delivered cancellation (asyncio's uncancel), so the
 * task may go on and finish normally. */
int wa_uncancel(void);

/* Make the current task fail: sets its error code (WA_EFAILED if code >= 0)
 * and printf-style message; returns NULL so a body can `return wa_raise(..)`. */
void *wa_raise(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Let other ready tasks run (asyncio.sleep(0)). */
int wa_yield(void);

/* Suspend for ms milliseconds. Returns 0, WA_ECANCELED or WA_ETIMEDOUT. */
int wa_sleep(uint64_t ms);

wa_task *wa_current(void);                   /* NULL outside a task */
const char *wa_task_name(const wa_task *t);  /* "?" for NULL */
int wa_task_set_name(wa_task *t, const char *name);
int wa_task_done(const wa_task *t);          /* 1 finished, 0 not, <0 error */
int wa_task_error(const wa_task *t);         /* 0, or the failure code */
const char *wa_task_message(const wa_task *t); /* failure message or "" */

/* Drop the handle. A running task keeps running and is freed when it ends;
 * if it then fails, the failure is reported on stderr since nobody can await
 * it. */
void wa_release(wa_task *t);

/* Defaults for new tasks. Stack sizes are rounded up to the page size. */
int wa_set_default_stack_size(size_t bytes);
size_t wa_default_stack_size(void);

/* -------------------------------------------------------------- gather */

#define WA_RETURN_ERRORS 1u /* gather: per-task codes in errors[], no early return */

/* Wait for n tasks concurrently; results[i] (may be NULL) receives task i's
 * result. By default the first failure is returned at once and the others keep
 * running (asyncio). With WA_RETURN_ERRORS every task is waited for, errors[i]
 * (if errors is not NULL) gets its code, and the call returns 0. Cancelling
 * the caller cancels all. */
int wa_gather(wa_task *const *tasks, size_t n, void **results, int *errors,
              unsigned flags);

/* ------------------------------------------------------------- timeouts */

/* A deadline scope (asyncio.timeout): every suspension inside it returns
 * WA_ETIMEDOUT once the deadline passes, and keeps doing so until the scope
 * exits. Scopes nest; an inner deadline never extends an outer one. The
 * struct lives in the caller's frame; exit scopes in reverse order. */
typedef struct wa_timeout {
    uint64_t deadline;          /* private */
    uint64_t effective;         /* private */
    struct wa_timeout *parent;  /* private */
    wa_task *owner;             /* private */
    int expired;                /* private */
    int *rc_out;                /* private: WA_TIMEOUT's rc */
} wa_timeout;

int wa_timeout_enter(wa_timeout *scope, uint64_t ms);
/* Returns WA_ETIMEDOUT if this scope's own deadline expired, else 0. */
int wa_timeout_exit(wa_timeout *scope);

/* WA_TIMEOUT(ms, rc) { ... }: the body runs inside a deadline scope. On any
 * exit from it (the end of the body, break, return, goto) the scope is
 * exited, and rc receives WA_ETIMEDOUT if its deadline expired, else 0 (or
 * the error that kept the scope from being entered; then the body is
 * skipped). */
#define WA__CAT2(a, b) a##b
#define WA__CAT(a, b) WA__CAT2(a, b)
void wa__timeout_guard_exit(wa_timeout **scope);
#define WA_TIMEOUT(ms, rc)                                                          \
    for (wa_timeout WA__CAT(wa__to_, __LINE__) = {.rc_out = &(rc)},                 \
         *WA__CAT(wa__tp_, __LINE__) __attribute__((cleanup(wa__timeout_guard_exit))) = \
             ((rc) = wa_timeout_enter(&WA__CAT(wa__to_, __LINE__), (ms))) == 0      \
                 ? &WA__CAT(wa__to_, __LINE__) : NULL;                              \
         WA__CAT(wa__tp_, __LINE__);                                                \
         (rc) = wa_timeout_exit(WA__CAT(wa__tp_, __LINE__)),                        \
         WA__CAT(wa__tp_, __LINE__) = NULL)

/* ----------------------------------------------------------- task groups */

/* A task group (asyncio.TaskGroup, Trio's nursery). Children cannot outlive
 * it: wa_group_wait() returns only when all have finished. The first failure
 * cancels the other children; every failure is kept. */
typedef struct wa_group wa_group;

wa_group *wa_group_new(void);
wa_task *wa_group_spawn(wa_group *g, wa_fn fn, void *arg);
wa_task *wa_group_spawn_opts(wa_group *g, wa_fn fn, void *arg, const wa_task_opts *o);
/* Wait for every child. Returns 0, the first child's failure code, or
 * WA_ECANCELED if the waiter was cancelled (the children are cancelled and
 * still waited for). */
int wa_group_wait(wa_group *g);
/* Cancel every child (the group stays usable for waiting). */
int wa_group_cancel(wa_group *g);
size_t wa_group_error_count(const wa_group *g);
/* i-th failure in the order they happened: code, message and task name. */
int wa_group_error(const wa_group *g, size_t i, const char **message,
                   const char **task_name);
/* Free the group; children still running are cancelled and waited for. */
int wa_group_free(wa_group *g);

/* ---------------------------------------------------------------- sync */

typedef struct wa_event wa_event;
typedef struct wa_lock wa_lock;
typedef struct wa_sem wa_sem;
typedef struct wa_queue wa_queue;

/* Free functions return WA_EBUSY, and free nothing, while tasks wait on the
 * object. */
wa_event *wa_event_new(void);
int wa_event_set(wa_event *e);     /* wakes every waiter */
int wa_event_clear(wa_event *e);
int wa_event_is_set(const wa_event *e);
int wa_event_wait(wa_event *e);
int wa_event_free(wa_event *e);

wa_lock *wa_lock_new(void);        /* FIFO fair, not recursive */
int wa_lock_acquire(wa_lock *l);   /* WA_EDEADLK if the caller holds it */
int wa_lock_release(wa_lock *l);   /* WA_EPERM if the caller does not hold it */
int wa_lock_locked(const wa_lock *l);
int wa_lock_free(wa_lock *l);

wa_sem *wa_sem_new(unsigned value); /* bounded: release above value is WA_EPERM */
int wa_sem_acquire(wa_sem *s);
int wa_sem_release(wa_sem *s);
int wa_sem_value(const wa_sem *s);
int wa_sem_free(wa_sem *s);

/* A bounded FIFO queue (asyncio.Queue(maxsize)). put waits while full, get
 * while empty. After close, put returns WA_ECLOSED and get drains what is
 * left, then returns WA_ECLOSED. */
wa_queue *wa_queue_new(size_t capacity);
int wa_queue_put(wa_queue *q, void *item);
int wa_queue_get(wa_queue *q, void **item);
int wa_queue_try_put(wa_queue *q, void *item); /* WA_EBUSY when full */
int wa_queue_try_get(wa_queue *q, void **item);/* WA_EBUSY when empty */
int wa_queue_close(wa_queue *q);
size_t wa_queue_len(const wa_queue *q);
int wa_queue_free(wa_queue *q);

/* `async with`: the body runs holding the lock/semaphore, and it is released
 * on every exit path (break, return, goto, and after cancellation or timeout
 * inside the body). If acquiring fails, the body is skipped and rc holds the
 * code; otherwise rc is 0.
 *     int rc;
 *     WA_WITH_LOCK(lock, rc) { ... }
 *     if (rc < 0) ...                                                      */
typedef struct wa__guard {
    void *obj;
    int (*release)(void *);
} wa__guard;
void wa__guard_exit(wa__guard *g);
wa__guard wa__guard_lock(wa_lock *l, int *rc);
wa__guard wa__guard_sem(wa_sem *s, int *rc);
#define WA__WITH(make, target, rc)                                                \
    for (wa__guard WA__CAT(wa__g_, __LINE__) __attribute__((cleanup(wa__guard_exit))) = \
             make((target), &(rc));                                                  \
         WA__CAT(wa__g_, __LINE__).obj != NULL;                                   \
         wa__guard_exit(&WA__CAT(wa__g_, __LINE__)))
#define WA_WITH_LOCK(lock, rc) WA__WITH(wa__guard_lock, lock, rc)
#define WA_WITH_SEM(sem, rc) WA__WITH(wa__guard_sem, sem, rc)

/* ---------------------------------------------------------- generators */

/* An async generator. Its body is a wa_fn that calls wa_gen_yield(); it runs
 * lazily, one step per wa_gen_next(). */
typedef struct wa_gen wa_gen;

wa_gen *wa_gen_new(wa_fn fn, void *arg);
/* Inside a generator body: hand value to the consumer and wait for the next
 * request. Returns 0, or WA_ECLOSED when the consumer closed the generator
 * (run cleanup and return), or WA_ECANCELED. */
int wa_gen_yield(void *value);
/* Next value: 0 with *value set; WA_EOF when the body returned; the body's
 * error code if it failed; WA_EBUSY if another task is already waiting. */
int wa_gen_next(wa_gen *g, void **value);
/* Close early: the pending wa_gen_yield returns WA_ECLOSED and the body's
 * cleanup runs before this returns. A second close returns WA_ECLOSED. */
int wa_gen_close(wa_gen *g);
/* Free (closing it first if needed). */
int wa_gen_free(wa_gen *g);

/* `async for`: WA_FOR(v, gen) { ... } iterates; leaving the loop early
 * (break, return, goto) closes the generator so its cleanup runs. After the
 * loop, rc-style status is in wa_gen_status(gen) (0 or an error; WA_EOF is
 * reported as 0). */
void wa__gen_guard_exit(wa_gen **g);
int wa_gen_status(const wa_gen *g);
#define WA_FOR(var, gen)                                                          \
    for (wa_gen *WA__CAT(wa__gg_, __LINE__) __attribute__((cleanup(wa__gen_guard_exit))) = (gen); \
         WA__CAT(wa__gg_, __LINE__) && wa_gen_next(WA__CAT(wa__gg_, __LINE__), (void **)&(var)) == 0 \
         ? 1 : (WA__CAT(wa__gg_, __LINE__) = NULL, 0);)

/* ------------------------------------------------------------- threads */

/* Run fn(arg) on a worker thread while other tasks go on
 * (asyncio.to_thread). On targets without threads (WASI, browser) it runs
 * inline; debug mode warns. If the caller is cancelled the call returns
 * WA_ECANCELED at once; the thread finishes on its own and its result is
 * dropped. */
int wa_to_thread(wa_fn fn, void *arg, void **result);

/* ---------------------------------------------------------------- files */

/* Suspend until fd is readable / writable. */
int wa_wait_readable(int fd);
int wa_wait_writable(int fd);
/* Read a whole file without stopping other tasks; *data is malloc'd and
 * NUL-terminated (free it). WASI: the path must be under a preopened dir;
 * outside every one the call returns WA_ENOTCAPABLE. */
int wa_read_file(const char *path, char **data, size_t *len);

/* ---------------------------------------------------------------- debug */

/* Debug mode (also WASYNCIO_DEBUG=1): warn when a task runs more than
 * slow_ms (default 100; WASYNCIO_SLOW_MS) without suspending, naming it, and
 * list tasks still pending when wa_run() ends. */
void wa_set_debug(int on);
int wa_debug(void);

/* ----------------------------------------------------------- HTTP client */

/* One API on every target: libcurl natively, wasi:http on WASI 0.2, JS fetch
 * in the browser. WASI preview1 has no HTTP: WA_ENOTSUP. A non-2xx status is
 * not an error unless WA_FETCH_RAISE_FOR_STATUS is set. */
typedef struct wa_response wa_response;

#define WA_FETCH_RAISE_FOR_STATUS 1u /* non-2xx returns WA_EHTTP (response kept) */
#define WA_FETCH_STREAM 2u           /* return after headers; read with wa_response_read */

typedef struct wa_fetch_opts {
    const char *method;          /* default "GET" */
    const char *const *headers;  /* NULL-terminated "Name: value" strings */
    const void *body;
    size_t body_len;
    uint64_t timeout_ms;         /* 0 = none (deadline scopes still apply) */
    int max_redirects;           /* -1 = default (follow, up to 10); 0 = don't follow */
    size_t max_body;             /* 0 = default 64 MiB; over it: WA_ETOOBIG */
    unsigned flags;              /* WA_FETCH_* */
} wa_fetch_opts;

/* Fetch url. On 0, *out is a response to free with wa_response_free. On error
 * *out is NULL, except WA_EHTTP which keeps the response. */
int wa_fetch(const char *url, const wa_fetch_opts *opts, wa_response **out);

int wa_response_status(const wa_response *r);
/* Case-insensitive header look-up; NULL if absent. */
const char *wa_response_header(const wa_response *r, const char *name);
size_t wa_response_header_count(const wa_response *r);
int wa_response_header_at(const wa_response *r, size_t i, const char **name,
                          const char **value);
/* The whole body (not for WA_FETCH_STREAM); text is NUL-terminated. */
const void *wa_response_body(const wa_response *r, size_t *len);
const char *wa_response_text(const wa_response *r);
/* Streaming: read up to n body bytes; returns bytes read, 0 at the end, or an
 * error code. */
long wa_response_read(wa_response *r, void *buf, size_t n);
void wa_response_free(wa_response *r);

/* ----------------------------------------------------------- HTTP server */

/* An aiohttp-style app: routes are a method and a path pattern with {param}
 * captures; each request runs its handler in a task of its own. Native: libuv
 * TCP; WASI 0.2: a wasi:http/incoming-handler component; browser: WA_ENOTSUP. */
typedef struct wa_app wa_app;
typedef struct wa_request wa_request;
typedef struct wa_reply wa_reply;

/* Fill reply and return 0; a negative return sends 500. */
typedef int (*wa_handler)(const wa_request *req, wa_reply *reply, void *ud);

wa_app *wa_app_new(void);
int wa_app_route(wa_app *app, const char *method, const char *pattern,
                 wa_handler h, void *ud);
#define wa_app_get(app, pattern, h, ud) wa_app_route((app), "GET", (pattern), (h), (ud))
/* A program that is also built as a WASI 0.2 server component defines
 * wa_build_app(): the component calls it once per instance and routes each
 * incoming request through the app (`wasmtime serve`). Natively, call it
 * yourself and wa_app_listen(). Optional: without it the component runs
 * main() for each request. */
wa_app *wa_build_app(void);
/* Serve until the calling task is cancelled (then returns WA_ECANCELED).
 * port 0 picks a free port; wa_app_port() tells which once listening. */
int wa_app_listen(wa_app *app, const char *host, int port);
int wa_app_port(const wa_app *app);
void wa_app_free(wa_app *app);

const char *wa_request_method(const wa_request *r);
const char *wa_request_path(const wa_request *r);
const char *wa_request_param(const wa_request *r, const char *name);  /* {name} */
const char *wa_request_query(const wa_request *r, const char *name);  /* ?name= */
const char *wa_request_header(const wa_request *r, const char *name);
const void *wa_request_body(const wa_request *r, size_t *len);

int wa_reply_status(wa_reply *r, int status);
int wa_reply_header(wa_reply *r, const char *name, const char *value);
int wa_reply_body(wa_reply *r, const void *data, size_t len);
int wa_reply_text(wa_reply *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* --------------------------------------------------------- JavaScript */

/* Browser/Node (Emscripten) only; elsewhere WA_ENOTSUP.
 * C awaits a JS promise: the JS side registers it with
 * Module.waPromise(promise) -> handle (an int); wa_js_await(handle, &json)
 * suspends until it settles and gives its value as a malloc'd JSON string, or
 * WA_EJS with the rejection message in wa_task_message-style *json. */
int wa_js_await(int promise_handle, char **json);

/* JS awaits C: WA_JS_EXPORT(fn) makes the coroutine `void *fn(void *arg)`
 * callable from JavaScript as Module.waCall("fn", arg) -> Promise. It runs as
 * a task of the running loop (or of a loop started for it); arg arrives as a
 * NUL-terminated JSON string; return a malloc'd JSON string (the runtime
 * frees it; NULL means null), or fail with wa_raise() to reject the Promise.
 * Elsewhere it compiles to nothing that is emitted. */
#if defined(__EMSCRIPTEN__)
#define WA_JS_EXPORT(fn) \
    __attribute__((used)) wa_fn wa_js_export_##fn(void) { return (fn); }
#else
#define WA_JS_EXPORT(fn) \
    static inline wa_fn wa_js_export_##fn(void) { return (fn); }
#endif

#ifdef __cplusplus
}
#endif

#endif /* WASYNCIO_H */
