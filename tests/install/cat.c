/* cat.c: a user's program that reads the files named on its command line
 * (tests/install/run.sh): prints "PATH: N bytes" or "PATH: WA_CODE", so the
 * test sees which named error each target gives for a missing file, a file
 * outside the preopened directories, and so on. */
#include <stdio.h>
#include <stdlib.h>
#include <wasyncio.h>

static int argc_;
static char **argv_;

static void *main_task(void *arg)
{
    for (int i = 1; i < argc_; i++) {
        char *data = NULL;
        size_t len = 0;
        int rc = wa_read_file(argv_[i], &data, &len);
        if (rc == 0)
            printf("%s: %zu bytes\n", argv_[i], len);
        else
            printf("%s: %s\n", argv_[i], wa_error_name(rc));
        free(data);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    argc_ = argc;
    argv_ = argv;
    return wa_run(main_task, NULL, NULL) == 0 ? 0 : 1;
}
