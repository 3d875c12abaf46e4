/* fiber_stack.c: fiber stacks for the native backends (asm and ucontext):
 * slab allocation, the per-thread pool, guard pages, the stack canary and
 * the SIGSEGV overflow handler. Below fiber.c: it calls only fiber_report.c.
 *
 * Why slabs and a guard budget: Linux caps a process at vm.max_map_count
 * mappings (65530 by default) and a stack with its own PROT_NONE guard costs
 * two of them, so 100k parked tasks cannot all have guard pages. Stacks are
 * carved out of slabs (one mmap holds up to 64 stacks, MAP_NORESERVE so only
 * touched pages cost RSS). While the process holds fewer guarded stacks than
 * the guard budget (16384, or a quarter of vm.max_map_count if lower), each
 * new stack gets its guard gap mprotect'ed PROT_NONE; beyond that the gap
 * stays readable and unused, and the stack's lowest word serves as a canary
 * (see WA_CANARY) that wa__fiber_switch checks when it leaves a fiber (one
 * load and compare; guarded stacks point it at a shared zero word). So an unguarded overflow is caught at the next switch
 * rather than at the faulting instruction; the untouched 16 KiB gap below
 * each stack absorbs small overruns so they do not reach the neighbouring
 * stack first. A guarded overflow faults at once and the SIGSEGV handler
 * (on a per-thread sigaltstack) names the task and aborts.
 *
 * Pool: a freed stack goes back on its size class's free list (warm ones at
 * the head, LIFO, for cache reuse). Past WA_POOL_CAP warm stacks per thread,
 * a freed stack's pages are returned with MADV_DONTNEED (it stays mapped,
 * "cold", at the tail) and a slab whose stacks are all free is unmapped.
 * wa__stack_shutdown unmaps every slab that has no live fiber.
 */
#include "fiber_native.h"
#include "fiber_report.h"
#include "fiber_sizes.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wasyncio.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define WA_VALGRIND 1
#endif
#endif

#define WA_GUARD_BYTES    (16u * 1024u) /* gap below each stack */
#define WA_SLAB_BYTES     (16u * 1024u * 1024u)
#define WA_SLAB_MAX       64u
#define WA_POOL_CAP       1024u
#define WA_GUARD_BUDGET   16384L
#define WA_ALTSTACK_BYTES (64u * 1024u)

struct wa__class;

struct wa__slab {
    struct wa__class *cls;
    struct wa__slab *prev, *next;
    unsigned char *base;
    size_t map_len;
    unsigned n, nfree, nguard;
#ifdef WA_VALGRIND
    unsigned *vg_ids;
#endif
    wa_fiber f[]; /* one per stack; fiber structs live here, not on stacks,
                     so a cold stack's pages can all be given back */
};

struct wa__class {
    size_t size;
    wa_fiber *head, *tail; /* free list: warm first, then cold */
    struct wa__slab *slabs;
    struct wa__class *next;
};

static size_t g_page;
static atomic_size_t g_default_stack = WA__FIBER_STACK_DEFAULT;
static atomic_long g_guards_used;
static long g_guard_budget = WA_GUARD_BUDGET;
static int g_sig_installed; /* under install_handler's lock */
static struct sigaction g_old_segv, g_old_bus;

WA_TLS wa_fiber *wa__fiber_cur;
#if WA_ASAN
WA_TLS wa_fiber *wa__fiber_prev;
#endif
static WA_TLS struct wa__class *t_classes;
static WA_TLS unsigned t_warm; /* pooled stacks that may hold RSS */
static WA_TLS void *t_altstack;
const uint64_t wa__zero_canary = WA_CANARY;

/* ------------------------------------------------------------ helpers */

static size_t page_size(void)
{
    if (!g_page) {
        long p = sysconf(_SC_PAGESIZE);
        g_page = p > 0 ? (size_t)p : 4096;
    }
    return g_page;
}

/* Leave room for the rest of the process: a guarded stack is two mappings. */
static void read_guard_budget(void)
{
    int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    long maps = strtol(buf, NULL, 10);
    if (maps > 0 && maps / 4 < WA_GUARD_BUDGET)
        g_guard_budget = maps / 4;
}

void wa__stack_overflow(const wa_fiber *f)
{
    /* The core names the next task as running before it switches, so the
     * name would be the wrong task's here. */
    wa__fiber_report_overflow(f->size, 0, ", stack canary overwritten", 0);
    abort();
}

/* --------------------------------------------------- overflow handler */

#if WA_ASAN
__attribute__((no_sanitize("address")))
#endif
static void
on_fault(int sig, siginfo_t *si, void *uc)
{
    wa_fiber *f = wa__fiber_cur;
    /* si_code > 0: raised by the kernel for a real access, so si_addr
     * means something (kill() sends SI_USER). */
    if (f && f->slab && f->guarded && si->si_code > 0) {
        unsigned char *a = si->si_addr;
        if (a >= f->lo - WA_GUARD_BYTES && a < f->lo) {
            wa__fiber_report_overflow(f->size, 0, "", 1);
            abort();
        }
    }
    struct sigaction *old = sig == SIGSEGV ? &g_old_segv : &g_old_bus;
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
        old->sa_sigaction(sig, si, uc);
        return;
    }
    if (!(old->sa_flags & SA_SIGINFO) && old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    /* Default action: returning re-executes the access, which faults again
     * and now kills the process the usual way (core dump included). */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
}

/* Checked on every wa__fiber_init, not once: a program (or a test framework)
 * that sets its own SIGSEGV handler later would otherwise silently turn an
 * overflow into a plain crash. Whatever handler we displace is chained. */
static void install_handler(void)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static const int sigs[2] = {SIGSEGV, SIGBUS};
    pthread_mutex_lock(&lock);
    if (!g_sig_installed) {
        g_sig_installed = 1;
        read_guard_budget();
        page_size(); /* written once, under the lock: loops start side by side */
    }
    for (int i = 0; i < 2; i++) {
        struct sigaction cur;
        if (sigaction(sigs[i], NULL, &cur) != 0)
            continue;
        if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_fault)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, i == 0 ? &g_old_segv : &g_old_bus);
    }
    pthread_mutex_unlock(&lock);
}

/* The handler must not run on the stack that just overflowed. */
static void install_altstack(void)
{
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
        return; /* the thread has one already (ASan sets its own) */
    void *p = mmap(NULL, WA_ALTSTACK_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (p == MAP_FAILED)
        return; /* overflow then dies by plain SIGSEGV, without the name */
    stack_t ss = {.ss_sp = p, .ss_size = WA_ALTSTACK_BYTES, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(p, WA_ALTSTACK_BYTES);
        return;
    }
    t_altstack = p;
}

static void remove_altstack(void)
{
    if (!t_altstack)
        return;
    stack_t cur;
    if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == t_altstack && !(cur.ss_flags & SS_ONSTACK)) {
        stack_t off = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
        sigaltstack(&off, NULL);
        munmap(t_altstack, WA_ALTSTACK_BYTES);
    }
    t_altstack = NULL;
}

/* ----------------------------------------------------- free lists */

static void list_unlink(struct wa__class *c, wa_fiber *f)
{
    if (f->free_prev)
        f->free_prev->free_next = f->free_next;
    else
        c->head = f->free_next;
    if (f->free_next)
        f->free_next->free_prev = f->free_prev;
    else
        c->tail = f->free_prev;
    f->free_prev = f->free_next = NULL;
}

static void list_push_head(struct wa__class *c, wa_fiber *f)
{
    f->free_prev = NULL;
    f->free_next = c->head;
    if (c->head)
        c->head->free_prev = f;
    else
        c->tail = f;
    c->head = f;
}

static void list_push_tail(struct wa__class *c, wa_fiber *f)
{
    f->free_next = NULL;
    f->free_prev = c->tail;
    if (c->tail)
        c->tail->free_next = f;
    else
        c->head = f;
    c->tail = f;
}

/* ---------------------------------------------------------- slabs */

static struct wa__class *class_for(size_t size)
{
    for (struct wa__class *c = t_classes; c; c = c->next)
        if (c->size == size)
            return c;
    struct wa__class *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->size = size;
    c->next = t_classes;
    t_classes = c;
    return c;
}

static int slab_new(struct wa__class *c)
{
    size_t stride = WA_GUARD_BYTES + c->size;
    size_t n = WA_SLAB_BYTES / stride;
    if (n < 1)
        n = 1;
    if (n > WA_SLAB_MAX)
        n = WA_SLAB_MAX;
    struct wa__slab *s = calloc(1, sizeof *s + n * sizeof(wa_fiber));
    if (!s)
        return WA_ENOMEM;
#ifdef WA_VALGRIND
    s->vg_ids = calloc(n, sizeof *s->vg_ids);
    if (!s->vg_ids) {
        free(s);
        return WA_ENOMEM;
    }
#endif
    s->map_len = n * stride;
    void *p = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) {
#ifdef WA_VALGRIND
        free(s->vg_ids);
#endif
        free(s);
        return WA_ENOMEM;
    }
    s->base = p;
    s->cls = c;
    s->n = s->nfree = (unsigned)n;
    for (size_t i = 0; i < n; i++) {
        wa_fiber *f = &s->f[i];
        unsigned char *gap = s->base + i * stride;
        f->lo = gap + WA_GUARD_BYTES;
        f->size = c->size;
        f->slab = s;
        f->cold = 1;
        if (atomic_fetch_add(&g_guards_used, 1) < g_guard_budget &&
            mprotect(gap, WA_GUARD_BYTES, PROT_NONE) == 0) {
            f->guarded = 1;
            s->nguard++;
        } else {
            atomic_fetch_sub(&g_guards_used, 1);
        }
#ifdef WA_VALGRIND
        s->vg_ids[i] = VALGRIND_STACK_REGISTER(f->lo, f->lo + f->size);
#endif
        list_push_tail(c, f);
    }
    s->next = c->slabs;
    if (c->slabs)
        c->slabs->prev = s;
    c->slabs = s;
    return 0;
}

static void slab_unmap(struct wa__slab *s)
{
    struct wa__class *c = s->cls;
    for (unsigned i = 0; i < s->n; i++) {
        wa_fiber *f = &s->f[i];
        list_unlink(c, f);
        if (!f->cold)
            t_warm--;
#ifdef WA_VALGRIND
        VALGRIND_STACK_DEREGISTER(s->vg_ids[i]);
#endif
    }
#if WA_ASAN
    /* Frames abandoned mid-function leave poisoned shadow behind; a later
     * mapping at this address must not inherit it. */
    __asan_unpoison_memory_region(s->base, s->map_len);
#endif
    atomic_fetch_sub(&g_guards_used, (long)s->nguard);
    munmap(s->base, s->map_len);
    if (s->prev)
        s->prev->next = s->next;
    else
        c->slabs = s->next;
    if (s->next)
        s->next->prev = s->prev;
#ifdef WA_VALGRIND
    free(s->vg_ids);
#endif
    free(s);
}

/* ------------------------------------------------ stack get / put */

wa_fiber *wa__stack_get(size_t size, int *err)
{
    size_t pg = page_size();
    size_t dflt = atomic_load_explicit(&g_default_stack, memory_order_relaxed);
    *err = wa__fiber_size(&size, dflt, WA__FIBER_STACK_MIN, WA__FIBER_STACK_MAX, pg, 0);
    if (*err)
        return NULL;
    struct wa__class *c = t_classes;
    if (!c || c->size != size) {
        c = class_for(size);
        if (!c) {
            *err = WA_ENOMEM;
            return NULL;
        }
    }
    if (!c->head) {
        int rc = slab_new(c);
        if (rc) {
            *err = rc;
            return NULL;
        }
    }
    wa_fiber *f = c->head;
    list_unlink(c, f);
    int was_cold = f->cold;
    if (!was_cold)
        t_warm--;
    f->cold = 0;
    f->live = 1;
    f->slab->nfree--;
#if WA_ASAN
    /* Frames abandoned mid-function leave poisoned shadow on a reused
     * stack. Fresh and given-back stacks were cleaned already; touching
     * their shadow here would cost RSS for nothing. */
    if (!was_cold)
        __asan_unpoison_memory_region(f->lo, f->size);
    f->asan_bottom = f->lo;
    f->asan_size = f->size;
    f->asan_fake = NULL;
#endif
    if (f->guarded) {
        f->canary = &wa__zero_canary;
    } else {
        uint64_t *c = (uint64_t *)f->lo;
        if (*c != WA_CANARY) /* read first: a write would cost a page */
            *c = WA_CANARY;
        f->canary = c;
    }
    return f;
}

void wa__stack_put(wa_fiber *f)
{
    struct wa__slab *s = f->slab;
    struct wa__class *c = s->cls;
    f->live = 0;
    s->nfree++;
    if (t_warm < WA_POOL_CAP) {
        t_warm++;
        list_push_head(c, f);
        return;
    }
    f->cold = 1;
    list_push_tail(c, f);
    if (s->nfree == s->n) {
        slab_unmap(s);
        return;
    }
#if WA_ASAN
    __asan_unpoison_memory_region(f->lo, f->size);
#endif
    madvise(f->lo, f->size, MADV_DONTNEED);
}

/* ------------------------------------------------- per-thread set-up */

void wa__stack_init(int first_on_thread)
{
    install_handler();
    if (!first_on_thread)
        return;
    install_altstack();
}

void wa__stack_shutdown(void)
{
    struct wa__class **pc = &t_classes;
    while (*pc) {
        struct wa__class *c = *pc;
        struct wa__slab *s = c->slabs;
        while (s) {
            struct wa__slab *next = s->next;
            if (s->nfree == s->n)
                slab_unmap(s);
            s = next;
        }
        if (!c->slabs) {
            *pc = c->next;
            free(c);
        } else {
            pc = &c->next; /* live fibers leaked by the caller stay mapped */
        }
    }
    remove_altstack();
}

size_t wa__stack_default(void) { return atomic_load(&g_default_stack); }

void wa__stack_set_default(size_t bytes)
{
    size_t pg = page_size();
    wa__fiber_size(&bytes, WA__FIBER_STACK_DEFAULT, WA__FIBER_STACK_MIN, WA__FIBER_STACK_MAX, pg,
                   1);
    atomic_store(&g_default_stack, bytes);
}
