/* timeout.c: deadline scopes (asyncio.timeout) and wa_wait_for. A scope's
 * effective deadline is the earlier of its own and its parent's, so an inner
 * scope never extends an outer one; park() arms the innermost effective
 * deadline and, once it has passed, every suspension in the scope returns
 * WA_ETIMEDOUT until the scope exits. */
#include "loop.h"

int wa_timeout_enter(wa_timeout *scope, uint64_t ms)
{
    if (!scope)
        return WA_EINVAL;
    int rc = wa__require_task();
    if (rc)
        return rc;
    wa_task *self = wa__L->current;
    uint64_t now = wa__host_hrtime();
    uint64_t ns = ms > (WA_NEVER - now) / 1000000u ? WA_NEVER - now - 1 : ms * 1000000u;
    scope->deadline = now + ns;
    scope->parent = self->scope;
    scope->effective = scope->deadline;
    if (scope->parent && scope->parent->effective < scope->effective)
        scope->effective = scope->parent->effective;
    scope->owner = self;
    scope->expired = 0;
    self->scope = scope;
    return 0;
}

int wa_timeout_exit(wa_timeout *scope)
{
    if (!scope)
        return WA_EINVAL;
    wa_task *self = wa__self();
    if (!self || scope->owner != self)
        return WA_EINVAL;
    /* Leaving out of order pops the inner scopes too, so no stale pointer
     * into a dead frame survives. */
    wa_timeout *s = self->scope;
    while (s && s != scope)
        s = s->parent;
    if (!s)
        return WA_EINVAL;
    self->scope = scope->parent;
    scope->owner = NULL;
    return scope->expired ? WA_ETIMEDOUT : 0;
}

int wa_wait_for(wa_task *t, uint64_t ms, void **result)
{
    int rc = wa__require_task();
    if (rc)
        return rc;
    if (wa__task_check(t))
        return WA_EINVAL;
    wa_timeout scope;
    rc = wa_timeout_enter(&scope, ms);
    if (rc)
        return rc;
    rc = wa_await(t, result);
    int expired = wa_timeout_exit(&scope);
    return rc == WA_ETIMEDOUT || (rc == 0 && expired && !wa_task_done(t)) ? WA_ETIMEDOUT : rc;
}
