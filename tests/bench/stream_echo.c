/* stream_echo.c: the wasyncio side of the stream rows of `make bench`. One
 * process runs a line-echo server and its clients on 127.0.0.1, on one loop:
 *   stream_echo rt N SECS     N connections, each writing a 64-byte line and
 *                             reading the echo, for SECS: round trips/s
 *   stream_echo bulk 1 SECS   one connection streaming 64 KiB writes (drain
 *                             after each) to a server that reads and drops
 *                             them, for SECS: MB/s
 * Prints the number alone. The peers (stream_echo_peer.py, .mjs, and
 * stream_echo_uv.c on raw libuv) do exactly the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasyncio.h>

static int bulk;
static uint64_t deadline_ms;
static unsigned long long count;

static int handler(wa_stream *s, void *arg)
{
    (void)arg;
    if (bulk) {
        static char buf[65536];
        while (wa_stream_read(s, buf, sizeof buf) > 0)
            ;
        return 0;
    }
    char line[128];
    long n;
    while ((n = wa_stream_readline(s, line, sizeof line)) > 0) {
        wa_stream_write(s, line, (size_t)n);
        if (wa_stream_drain(s) < 0)
            break;
    }
    return 0;
}

static void *client(void *arg)
{
    int port = (int)(intptr_t)arg;
    wa_stream *s;
    if (wa_open_connection("127.0.0.1", port, NULL, &s) != 0)
        return wa_raise(WA_EFAILED, "connect");
    if (bulk) {
        static char chunk[65536];
        while (wa_now() < deadline_ms) {
            wa_stream_write(s, chunk, sizeof chunk);
            if (wa_stream_drain(s) < 0)
                break;
            count += sizeof chunk;
        }
    } else {
        static const char msg[] =
            "012345678901234567890123456789012345678901234567890123456789012\n";
        char line[128];
        while (wa_now() < deadline_ms) {
            wa_stream_write(s, msg, sizeof msg - 1);
            wa_stream_drain(s);
            if (wa_stream_readline(s, line, sizeof line) != sizeof msg - 1)
                break;
            count++;
        }
    }
    wa_stream_close(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);
    return NULL;
}

static int nconn;
static double secs;

static void *main_task(void *arg)
{
    (void)arg;
    wa_stream_server *srv;
    if (wa_start_server(handler, NULL, "127.0.0.1", 0, NULL, &srv) != 0)
        return wa_raise(WA_EFAILED, "listen");
    int port = wa_stream_server_port(srv);
    uint64_t t0 = wa_hrtime();
    deadline_ms = wa_now() + (uint64_t)(secs * 1000);
    wa_task *ts[1000];
    for (int i = 0; i < nconn; i++)
        ts[i] = wa_spawn(client, (void *)(intptr_t)port);
    wa_gather(ts, (size_t)nconn, NULL, NULL, 0);
    double el = (double)(wa_hrtime() - t0) / 1e9;
    if (bulk)
        printf("%.0f\n", (double)count / el / 1e6);
    else
        printf("%.0f\n", (double)count / el);
    wa_stream_server_close(srv);
    wa_stream_server_wait_closed(srv);
    wa_stream_server_free(srv);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: stream_echo rt|bulk N SECS\n");
        return 2;
    }
    bulk = strcmp(argv[1], "bulk") == 0;
    nconn = atoi(argv[2]);
    secs = atof(argv[3]);
    if (nconn < 1 || nconn > 1000)
        return 2;
    return wa_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}
