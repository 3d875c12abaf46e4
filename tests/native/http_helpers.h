/* http_helpers.h: shared by the native HTTP tests (test_http_*.c): finding
 * the repo's helper scripts, starting and stopping peer server processes on
 * 127.0.0.1, free and closed ports, and a raw socket client/server usable
 * inside tasks (so tests can send malformed bytes and watch connections). */
#ifndef WA_TEST_HTTP_HELPERS_H
#define WA_TEST_HTTP_HELPERS_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wasyncio.h>

/* ------------------------------------------------------------ files */

/* The repo root: the binary lives in <root>/build/native[/asan]/tests/. */
static inline const char *hh_root(void)
{
    static char root[PATH_MAX];
    if (root[0])
        return root;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        for (char *p = exe + n; p > exe; p--) {
            if (strncmp(p, "/build/", 7) == 0) {
                *p = 0;
                snprintf(root, sizeof root, "%s", exe);
                return root;
            }
        }
    }
    snprintf(root, sizeof root, ".");
    return root;
}

/* ------------------------------------------------------------ processes */

/* The system interpreter: starts fast (no version-manager shim) and has
 * everything the helpers need. */
static inline const char *hh_python(void)
{
    return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

typedef struct hh_proc {
    pid_t pid;
    int port;
} hh_proc;

/* Start argv with stdout on a pipe; if read_port, the first stdout line is
 * the port. Returns 0 or -1. */
static inline int hh_spawn(char *const argv[], int read_port, hh_proc *p)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a killed test leaves no server behind */
        int devnull = open("/dev/null", O_WRONLY);
        /* Without a reader the pipe would break and kill a chatty child. */
        dup2(read_port ? fds[1] : devnull, 1);
        if (devnull >= 0)
            dup2(devnull, 2);
        close(fds[0]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    p->pid = pid;
    if (read_port)
        p->port = 0;
    if (read_port) {
        char line[32] = {0};
        size_t n = 0;
        while (n < sizeof line - 1) {
            ssize_t k = read(fds[0], line + n, 1);
            if (k <= 0 || line[n] == '\n')
                break;
            n++;
        }
        p->port = atoi(line);
    }
    close(fds[0]);
    return read_port && p->port <= 0 ? -1 : 0;
}

static inline void hh_kill(hh_proc *p)
{
    if (p->pid > 0) {
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
}

/* Block (outside any loop) until 127.0.0.1:port accepts, up to ~10 s. */
static inline int hh_wait_port(int port)
{
    for (int i = 0; i < 1000; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
        close(s);
        if (ok)
            return 0;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* ------------------------------------------------------------ TLS */

/* A throwaway CA and certificates (tests/http/tls_certs.sh) in a new
 * directory /tmp/wa-<tag>-XXXXXX, written into dir (64 bytes are enough).
 * 0, or -1 (dir[0] is then 0 when no directory was made; openssl's output
 * is in dir/openssl.log). */
static inline int hh_pki_make(char *dir, size_t cap, const char *tag)
{
    snprintf(dir, cap, "/tmp/wa-%s-XXXXXX", tag);
    if (!mkdtemp(dir)) {
        dir[0] = 0;
        return -1;
    }
    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "bash '%s/tests/http/tls_certs.sh' '%s' >'%s/openssl.log' 2>&1",
             hh_root(), dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Remove what hh_pki_make made (nothing when dir[0] is 0). */
static inline void hh_pki_remove(char *dir)
{
    if (!dir[0])
        return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    dir[0] = 0;
}

/* tests/http/tls_server.py on a free port with cert and key; client_ca
 * (ask for a client certificate) and version (e.g. "1.2") may be NULL. */
static inline int hh_tls_server(hh_proc *p, const char *cert, const char *key,
                                const char *client_ca, const char *version)
{
    char script[PATH_MAX + 64];
    snprintf(script, sizeof script, "%s/tests/http/tls_server.py", hh_root());
    char *argv[] = {(char *)hh_python(), script,          (char *)cert, (char *)key,
                    (char *)client_ca,   (char *)version, NULL};
    return hh_spawn(argv, 1, p) < 0 || hh_wait_port(p->port) < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ sockets */

/* A listening socket on 127.0.0.1:0 (non-blocking); *port gets its port. */
static inline int hh_listen(int *port, int backlog)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, backlog) < 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) < 0) {
        close(s);
        return -1;
    }
    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
    *port = ntohs(a.sin_port);
    return s;
}

/* A port nobody listens on (bound once, then closed). */
static inline int hh_closed_port(void)
{
    int port = 0;
    int s = hh_listen(&port, 1);
    if (s >= 0)
        close(s);
    return port;
}

/* In a task: connect to 127.0.0.1:port, send data, optionally half-close,
 * then read until EOF or cap bytes. Returns bytes read or a negative code. */
static inline long hh_exchange(int port, const void *data, size_t len, int half_close, char *out,
                               size_t cap)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s < 0)
        return WA_EIO;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(s);
        return WA_ECONNREFUSED;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t k = send(s, (const char *)data + off, len - off, MSG_NOSIGNAL);
        if (k > 0) {
            off += (size_t)k;
        } else if (k < 0 && (errno == EAGAIN || errno == EINPROGRESS || errno == ENOTCONN)) {
            int rc = wa_wait_writable(s);
            if (rc < 0) {
                close(s);
                return rc;
            }
        } else {
            break; /* the peer closed early (e.g. after a 413): read what came */
        }
    }
    if (half_close)
        shutdown(s, SHUT_WR);
    size_t got = 0;
    for (;;) {
        if (got + 1 >= cap)
            break;
        ssize_t k = recv(s, out + got, cap - 1 - got, 0);
        if (k > 0) {
            got += (size_t)k;
        } else if (k == 0) {
            break;
        } else if (errno == EAGAIN) {
            int rc = wa_wait_readable(s);
            if (rc < 0) {
                close(s);
                return rc;
            }
        } else {
            break; /* reset after the response: keep what arrived */
        }
    }
    out[got] = 0;
    close(s);
    return (long)got;
}

/* Count non-overlapping occurrences of needle in hay. */
static inline int hh_count(const char *hay, const char *needle)
{
    int n = 0;
    size_t nl = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += nl)
        n++;
    return n;
}

/* A server run in a task: wa_app_listen on an ephemeral 127.0.0.1 port
 * until cancelled; rc receives what it returned. */
typedef struct hh_server {
    wa_app *app;
    int rc;
} hh_server;

static inline void *hh_server_task(void *arg)
{
    hh_server *s = (hh_server *)arg;
    s->rc = wa_app_listen(s->app, "127.0.0.1", 0);
    return NULL;
}

#endif
