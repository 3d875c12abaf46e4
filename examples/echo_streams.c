/* echo_streams.c: twin of the asyncio streams example: a line-echo server
 * (wa_start_server, each client in a task of its own) and its clients
 * (wa_open_connection): readline, readexactly and its partial bytes at the
 * end of the stream, write_eof, gather over three clients, and a connection
 * refused once the server has closed.                                     */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wasyncio.h>

/* Upper-case every line back to the client until it ends its side. */
static int handle(wa_stream *s, void *arg)
{
    (void)arg;
    char line[1024];
    long n;
    while ((n = wa_stream_readline(s, line, sizeof line)) > 0) {
        for (long i = 0; i < n; i++)
            if (line[i] >= 'a' && line[i] <= 'z')
                line[i] = (char)(line[i] - 'a' + 'A');
        wa_stream_write(s, line, (size_t)n);
        if (wa_stream_drain(s) < 0)
            break;
    }
    wa_stream_close(s);
    return wa_stream_wait_closed(s);
}

/* Print a line without its "\n" (Python's .rstrip()). */
static void put_line(const char *label, const char *buf, size_t n)
{
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    printf("%s %.*s\n", label, (int)n, buf);
}

static int port;
static char replies[3][64];

static void *client(void *arg)
{
    int i = (int)(intptr_t)arg;
    wa_stream *s;
    int rc = wa_open_connection("127.0.0.1", port, NULL, &s);
    if (rc < 0)
        return wa_raise(rc, "client %d: %s", i, wa_strerror(rc));
    char msg[32], line[64];
    int len = snprintf(msg, sizeof msg, "client %d\n", i);
    wa_stream_write(s, msg, (size_t)len);
    wa_stream_drain(s);
    long n = wa_stream_readline(s, line, sizeof line - 1);
    wa_stream_close(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);
    if (n < 0)
        return wa_raise((int)n, "client %d: %s", i, wa_strerror((int)n));
    while (n && line[n - 1] == '\n')
        n--;
    snprintf(replies[i], sizeof replies[i], "%.*s", (int)n, line);
    return replies[i];
}

static void *main_task(void *arg)
{
    (void)arg;
    wa_stream_server *srv;
    int rc = wa_start_server(handle, NULL, "127.0.0.1", 0, NULL, &srv);
    if (rc < 0)
        return wa_raise(rc, "start_server: %s", wa_strerror(rc));
    port = wa_stream_server_port(srv);

    wa_stream *s;
    rc = wa_open_connection("127.0.0.1", port, NULL, &s);
    if (rc < 0)
        return wa_raise(rc, "open_connection: %s", wa_strerror(rc));
    char buf[64];
    static const char *const words[] = {"hello", "async", "world"};
    for (int i = 0; i < 3; i++) {
        int len = snprintf(buf, sizeof buf, "%s\n", words[i]);
        wa_stream_write(s, buf, (size_t)len);
        wa_stream_drain(s);
        long n = wa_stream_readline(s, buf, sizeof buf);
        if (n < 0)
            return wa_raise((int)n, "readline: %s", wa_strerror((int)n));
        put_line("echo:", buf, (size_t)n);
    }
    wa_stream_write(s, "abc\ndef", 7);
    wa_stream_write_eof(s);
    size_t got;
    rc = wa_stream_readexactly(s, buf, 4, &got);
    if (rc < 0)
        return wa_raise(rc, "readexactly: %s", wa_strerror(rc));
    put_line("readexactly:", buf, got);
    rc = wa_stream_readexactly(s, buf, 10, &got);
    if (rc == WA_EINCOMPLETE)
        printf("incomplete: %.*s of %d\n", (int)got, buf, 10);
    printf("at eof: %s\n", wa_stream_at_eof(s) == 1 ? "True" : "False");
    wa_stream_close(s);
    wa_stream_wait_closed(s);
    wa_stream_free(s);

    wa_task *ts[3];
    for (int i = 0; i < 3; i++)
        ts[i] = wa_spawn(client, (void *)(intptr_t)i);
    void *results[3];
    rc = wa_gather(ts, 3, results, NULL, 0);
    if (rc < 0)
        return wa_raise(rc, "gather: %s", wa_strerror(rc));
    printf("[");
    for (int i = 0; i < 3; i++)
        printf("%s'%s'", i ? ", " : "", (const char *)results[i]);
    printf("]\n");

    /* `async with server:` ends: close, and wait for the handlers. */
    wa_stream_server_close(srv);
    wa_stream_server_wait_closed(srv);
    wa_stream_server_free(srv);
    rc = wa_open_connection("127.0.0.1", port, NULL, &s);
    if (rc == WA_ECONNREFUSED)
        printf("refused after the server closed\n");
    else if (rc == 0)
        wa_stream_free(s);
    return NULL;
}

int main(void)
{
    int rc = wa_run(main_task, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "echo_streams: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
