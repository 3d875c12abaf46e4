/* read_file.c: twin of the aiofiles snippet under "Async Context Managers":
 *     async with aiofiles.open(path) as f: return await f.read()
 * wa_read_file reads without stopping other tasks; the buffer is released
 * by a scope guard on every exit path, like the `async with`.
 * Usage: read_file [path]   (default examples/data/hello.txt)           */
#include <stdio.h>
#include <stdlib.h>
#include <wasyncio.h>

static void free_buffer(char **p) { free(*p); }
#define SCOPED_BUFFER __attribute__((cleanup(free_buffer)))

static void *main_task(void *arg)
{
    const char *path = arg;
    char *data SCOPED_BUFFER = NULL;
    size_t len = 0;
    int rc = wa_read_file(path, &data, &len);
    if (rc < 0)
        return wa_raise(rc, "%s: %s", path, wa_strerror(rc));
    fwrite(data, 1, len, stdout);
    return NULL; /* data freed here */
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/data/hello.txt";
    int rc = wa_run(main_task, (void *)path, NULL);
    if (rc < 0)
        fprintf(stderr, "read_file: %s: %s\n", path, wa_strerror(rc));
    return rc == 0 ? 0 : 1;
}
