/* ws_chat_client.c: the WebSocket twin, client side, of ws_chat_client.py
 * (aiohttp). `ws_chat_client ws://127.0.0.1:PORT` talks to ws_chat_server
 * (the Python one or the C twin) and prints exactly the Python client's
 * lines: two users chat, bytes come back reversed, a 50,000-character
 * message reaches both, "bye" is answered with a close, and a route that
 * does not exist refuses the handshake with 404. */
#include <wasyncio.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static wa_ws *connect_to(const char *base, const char *path, int *rc)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", base, path);
    wa_ws *ws = NULL;
    *rc = wa_ws_connect(url, NULL, &ws);
    return ws;
}

/* aiohttp's receive_str: the next message, which must be text. */
static char *receive_str(wa_ws *ws, size_t *len)
{
    wa_ws_msg m;
    int rc = wa_ws_receive(ws, &m);
    if (rc < 0 || m.type != WA_WS_TEXT) {
        wa_ws_msg_free(&m);
        wa_raise(rc < 0 ? rc : WA_EINVAL, "expected a text message");
        return NULL;
    }
    if (len)
        *len = m.len;
    return m.data; /* the caller frees it */
}

/* Python's len() of a str: code points, not bytes. */
static size_t code_points(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

static void *chat(void *arg)
{
    const char *base = arg;
    int rc;
    wa_ws *alice = connect_to(base, "/chat/alice", &rc);
    wa_ws *bob = alice ? connect_to(base, "/chat/bob", &rc) : NULL;
    if (!alice || !bob) {
        wa_ws_free(alice);
        return wa_raise(rc, "cannot connect to %s: %s", base, wa_strerror(rc));
    }
    wa_ws_send_text(alice, "hi");
    char *a = receive_str(alice, NULL), *b;
    printf("alice got: %s\n", a ? a : "?");
    free(a);
    b = receive_str(bob, NULL);
    printf("bob got: %s\n", b ? b : "?");
    free(b);

    const unsigned char bytes[3] = {1, 2, 3};
    wa_ws_send_binary(bob, bytes, sizeof bytes);
    wa_ws_msg m;
    if (wa_ws_receive(bob, &m) == 0 && m.type == WA_WS_BINARY) {
        printf("bob got bytes: ");
        for (size_t i = 0; i < m.len; i++)
            printf("%02x", (unsigned char)m.data[i]);
        printf("\n");
    }
    wa_ws_msg_free(&m);

    size_t big_len = 50000 * 2, alen = 0, blen = 0;
    char *big = malloc(big_len + 1), *want = malloc(big_len + 6);
    for (size_t i = 0; i < big_len; i += 2)
        big[i] = (char)0xC3, big[i + 1] = (char)0xA9; /* é */
    big[big_len] = '\0';
    sprintf(want, "bob: %s", big);
    wa_ws_send_text(bob, big);
    a = receive_str(alice, &alen);
    b = receive_str(bob, &blen);
    int same = a && b && alen == blen && memcmp(a, b, alen) == 0 && strcmp(a, want) == 0;
    printf("big message: %zu %zu %s\n", a ? code_points(a, alen) : 0, b ? code_points(b, blen) : 0,
           same ? "True" : "False");
    free(a), free(b), free(big), free(want);

    wa_ws_send_text(alice, "bye");
    rc = wa_ws_receive(alice, &m);
    printf("alice closed: %s %d %.*s\n", rc == 0 && m.type == WA_WS_CLOSE ? "True" : "False",
           m.close_code, (int)m.len, m.data ? m.data : "");
    wa_ws_msg_free(&m);
    wa_ws_close(alice, 0, NULL); /* already closed: WA_ECLOSED, like aiohttp's no-op */
    wa_ws_close(bob, 1001, NULL);
    printf("bob closed: %s\n", wa_ws_closed(bob) == 1 ? "True" : "False");
    wa_ws_free(alice);
    wa_ws_free(bob);

    wa_ws *none = connect_to(base, "/nowhere", &rc);
    if (none)
        wa_ws_free(none);
    else if (rc == WA_EWSHANDSHAKE && wa_ws_connect_status())
        printf("no route: %d\n", wa_ws_connect_status());
    else
        printf("no route: %s\n", wa_error_name(rc));
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ws_chat_client ws://HOST:PORT\n");
        return 2;
    }
    int rc = wa_run(chat, argv[1], NULL);
    if (rc < 0) {
        fprintf(stderr, "ws_chat_client: %s\n", wa_strerror(rc));
        return 1;
    }
    return 0;
}
