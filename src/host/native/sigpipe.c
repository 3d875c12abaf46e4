/* sigpipe.c: a write to a peer that has hung up must be an error
 * (WA_EPIPE), not the death of the process. libuv writes with write(2),
 * which raises SIGPIPE there, so servers and streams ignore it, as Python
 * does, unless the program installed a handler of its own. */
#include "host/native/native.h"

#include <signal.h>
#include <string.h>

void wa__native_ignore_sigpipe(void)
{
    static _Atomic int done;
    if (done)
        return;
    done = 1;
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
        !(old.sa_flags & SA_SIGINFO)) {
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
    }
}
