/* ws_client.c: the WebSocket load generator of `make bench` (bench_ws.sh).
 * `ws_client URL CONNS MESSAGES SIZE [binary]`: CONNS connections, each
 * sending MESSAGES messages of SIZE bytes one at a time and waiting for the
 * echo. Prints messages per second (SIZE < 64 KiB) or MB/s echoed (each
 * way counted once) on one line. */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *url;
static int conns, messages, binary;
static size_t size;
static char *payload;
static int failures;

static void *one_conn(void *arg)
{
    (void)arg;
    wa_ws *ws;
    int rc = wa_ws_connect(url, NULL, &ws);
    if (rc < 0) {
        failures++;
        return wa_raise(rc, "connect: %s", wa_strerror(rc));
    }
    for (int i = 0; i < messages; i++) {
        rc = binary ? wa_ws_send_binary(ws, payload, size) : wa_ws_send_text_n(ws, payload, size);
        wa_ws_msg m;
        if (rc == 0)
            rc = wa_ws_receive(ws, &m);
        if (rc < 0 || m.len != size) {
            failures++;
            wa_ws_msg_free(&m);
            break;
        }
        wa_ws_msg_free(&m);
    }
    wa_ws_close(ws, 1000, NULL);
    wa_ws_free(ws);
    return NULL;
}

static void *bench(void *arg)
{
    (void)arg;
    wa_task **ts = calloc((size_t)conns, sizeof *ts);
    uint64_t t0 = wa_hrtime();
    for (int i = 0; i < conns; i++)
        ts[i] = wa_spawn(one_conn, NULL);
    wa_gather(ts, (size_t)conns, NULL, NULL, WA_RETURN_ERRORS);
    double secs = (double)(wa_hrtime() - t0) / 1e9;
    for (int i = 0; i < conns; i++)
        wa_release(ts[i]);
    free(ts);
    double total = (double)conns * messages;
    if (failures)
        printf("failed\n");
    else if (size >= 65536)
        printf("%.0f\n", total * (double)size / secs / 1e6);
    else
        printf("%.0f\n", total / secs);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s URL CONNS MESSAGES SIZE [binary]\n", argv[0]);
        return 2;
    }
    url = argv[1];
    conns = atoi(argv[2]);
    messages = atoi(argv[3]);
    size = (size_t)atol(argv[4]);
    binary = argc > 5;
    payload = malloc(size + 1);
    memset(payload, 'x', size);
    return wa_run(bench, NULL, NULL) == 0 && !failures ? 0 : 1;
}
