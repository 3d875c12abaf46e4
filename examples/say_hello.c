/* say_hello.c: twin of the tutorial's first coroutine:
 *     async def say_hello():
 *         print("Hello"); await asyncio.sleep(1); print("World")
 *     asyncio.run(say_hello())                                        */
#include <stdio.h>
#include <wasyncio.h>

static void *say_hello(void *arg)
{
    printf("Hello\n");
    fflush(stdout);
    int rc = wa_sleep(1000); /* non-blocking: other tasks could run meanwhile */
    if (rc < 0)
        return wa_raise(rc, "sleep: %s", wa_strerror(rc));
    printf("World\n");
    return NULL;
}

int main(void)
{
    int rc = wa_run(say_hello, NULL, NULL);
    if (rc < 0)
        fprintf(stderr, "say_hello: %s\n", wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
