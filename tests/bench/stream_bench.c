/* stream_bench.c: stream throughput of one runtime against itself, the same
 * program on every target with sockets (native, WASI 0.2 under jco, Node):
 * an echo server and its clients in one loop on 127.0.0.1.
 *
 *   stream_bench [MS]   (time per measure, default 1000; each also bounded
 *                        in count)
 * Prints three lines:
 *   rt1 N      echo round trips per second over one connection (64-byte lines)
 *   rt100 N    the same summed over 100 connections at once
 *   bulk N     MB/s through one connection (64 KiB writes with drain)
 * Used by tests/bench/bench_wasip2.sh and bench_web.sh.
 */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t budget_ms = 1000;
static int port;

static int echo(wa_stream *s, void *arg)
{
    (void)arg;
    char line[256];
    long n;
    while ((n = wa_stream_readline(s, line, sizeof line)) > 0) {
        wa_stream_write(s, line, (size_t)n);
        if (wa_stream_drain(s) < 0)
            break;
    }
    return 0;
}

/* Reads everything, then answers with the byte count. */
static int sink(wa_stream *s, void *arg)
{
    (void)arg;
    static char buf[65536];
    unsigned long long total = 0;
    long n;
    while ((n = wa_stream_read(s, buf, sizeof buf)) > 0)
        total += (unsigned long long)n;
    char line[32];
    int k = snprintf(line, sizeof line, "%llu\n", total);
    wa_stream_write(s, line, (size_t)k);
    wa_stream_drain(s);
    return 0;
}

/* Round trips on one connection until the budget is spent. */
static void *round_trips(void *arg)
{
    long *count = arg;
    wa_stream *s = NULL;
    int rc = wa_open_connection("127.0.0.1", port, NULL, &s);
    if (rc < 0)
        return wa_raise(rc, "connect");
    char msg[64], line[128];
    memset(msg, 'm', sizeof msg - 1);
    msg[sizeof msg - 1] = '\n';
    uint64_t end = wa_now() + budget_ms;
    long n = 0;
    while (wa_now() < end && n < 1000000) {
        wa_stream_write(s, msg, sizeof msg);
        if (wa_stream_drain(s) < 0 || wa_stream_readline(s, line, sizeof line) != (long)sizeof msg)
            break;
        n++;
    }
    *count = n;
    wa_stream_close(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);
    return NULL;
}

static double echo_rate(int conns)
{
    long *counts = calloc((size_t)conns, sizeof *counts);
    wa_task **t = calloc((size_t)conns, sizeof *t);
    if (!counts || !t)
        return 0;
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < conns; i++)
        t[i] = wa_spawn(round_trips, &counts[i]);
    wa_gather(t, (size_t)conns, NULL, NULL, WA_RETURN_ERRORS);
    double secs = (double)(wa_hrtime() - t0) / 1e9;
    long total = 0;
    for (int i = 0; i < conns; i++)
        total += counts[i];
    free(counts);
    free(t);
    return secs > 0 ? (double)total / secs : 0;
}

static double bulk_rate(void)
{
    wa_stream_server *srv = NULL;
    if (wa_start_server(sink, NULL, "127.0.0.1", 0, NULL, &srv) < 0)
        return 0;
    wa_stream *s = NULL;
    double mbps = 0;
    if (wa_open_connection("127.0.0.1", wa_stream_server_port(srv), NULL, &s) == 0) {
        static char chunk[65536];
        memset(chunk, 'b', sizeof chunk);
        uint64_t t0 = wa_hrtime(), end = wa_now() + budget_ms;
        unsigned long long sent = 0;
        while (wa_now() < end && sent < (4ull << 30)) {
            wa_stream_write(s, chunk, sizeof chunk);
            if (wa_stream_drain(s) < 0)
                break;
            sent += sizeof chunk;
        }
        wa_stream_write_eof(s);
        char line[32] = "";
        long n = wa_stream_readline(s, line, sizeof line - 1);
        double secs = (double)(wa_hrtime() - t0) / 1e9;
        if (n > 0 && strtoull(line, NULL, 10) == sent && secs > 0)
            mbps = (double)sent / 1e6 / secs;
        wa_stream_close(s);
        wa_stream_wait_closed(s);
        wa_stream_free(s);
    }
    wa_stream_server_free(srv);
    return mbps;
}

static void *bench(void *arg)
{
    (void)arg;
    wa_stream_server *srv = NULL;
    int rc = wa_start_server(echo, NULL, "127.0.0.1", 0, NULL, &srv);
    if (rc < 0)
        return wa_raise(rc, "start_server: %s", wa_strerror(rc));
    port = wa_stream_server_port(srv);
    printf("rt1 %.0f\n", echo_rate(1));
    printf("rt100 %.0f\n", echo_rate(100));
    wa_stream_server_free(srv);
    printf("bulk %.1f\n", bulk_rate());
    fflush(stdout);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        budget_ms = (uint64_t)atoi(argv[1]);
    int rc = wa_run(bench, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "stream_bench: %s\n", wa_strerror(rc));
    return rc < 0;
}
