// hello.cpp: a C++ user of wasyncio (tests/install/run.sh): the header is
// extern "C", and a task body may use the C++ library.
#include <wasyncio.h>
#include <cstdio>
#include <string>

static void *body(void *)
{
    std::string what = "c++ task";
    if (wa_sleep(1) != 0)
        return nullptr;
    std::printf("%s: ok\nwasyncio %s: ok\n", what.c_str(), WASYNCIO_VERSION);
    return nullptr;
}

int main() { return wa_run(body, nullptr, nullptr) == 0 ? 0 : 1; }
