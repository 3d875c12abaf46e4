/* peer_jspi.c: the JSPI peer of wa_js_await in the web benchmark, built
 * freestanding for wasm32 with clang (no Emscripten, no libc): run(n) calls
 * the import wait_js() n times. The benchmark wraps wait_js with
 * WebAssembly.Suspending (it returns a resolved promise, so each call
 * suspends the wasm stack and resumes it when the promise settles) and run
 * with WebAssembly.promising: the cost of one suspension, where the engine
 * has JSPI. */
__attribute__((import_module("env"), import_name("wait_js"))) int wait_js(void);

__attribute__((export_name("run"))) int run(int n)
{
    int sum = 0;
    for (int i = 0; i < n; i++)
        sum += wait_js();
    return sum;
}
