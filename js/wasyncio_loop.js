/* wasyncio_loop.js: the JavaScript half of the Emscripten host's loop
 * (C side: src/host/web/loop.c), and the runtime the other library files
 * share ($WA). Pass it with --js-library, with the other files of the JS
 * half (js/wasyncio-emcc.sh passes them all; the C imports are listed in
 * src/host/web/js_imports.h):
 *   wasyncio_loop.js     wake-ups (setTimeout, and a MessageChannel /
 *                        setImmediate for zero delay so there is no 4 ms
 *                        clamp), the clock, the end of a program's main task,
 *                        and a module stopped by a fatal report
 *   wasyncio_promise.js  JS promises C awaits (Module.waPromise, wa_js_await)
 *   wasyncio_call.js     JS calls of C coroutines (Module.waCall)
 *   wasyncio_fetch.js    fetch() for wa_fetch
 *   wasyncio_net.js      node:net for streams
 *   wasyncio_ws.js       WebSocket
 * None of them switches tasks: C does that (fiber_asyncify.c); JS only
 * calls back into the loop when something happened.
 *
 * Module API added here:
 *   Module.waDone                -> Promise {code, status} of a program's main
 *   Module.waStrerror(code)      -> message of an error code
 *   Module.waErrorName(code)     -> "WA_ECANCELED", ... (null if unknown)
 *   Module.waErrors              -> {ECANCELED: -5, ...}: every code by name
 *   Module.waSetSliceMs(ms)      -> time budget of one loop slice
 * The codes come from build/web/wasyncio_errors.js (WA_ERRORS), generated
 * from src/wasyncio/errors.h, and also live on WA (WA.ECANCELED, ...).
 */
var WasyncioLoop = {
  $WA__deps: ['$callUserCallback', '$runtimeKeepalivePush', '$runtimeKeepalivePop',
              'malloc', 'free', 'wa_strerror', 'wa_error_name', 'wa__web_resume',
              'wa__web_set_slice_ms', 'stackSave', 'stackRestore', '$WA_ERRORS'],
  // C entry points that live in objects linked only when the program uses
  // them (js.o, fetch.o, ...) are looked up on Module when called: C(name).
  $WA__postset: 'WA.install();',
  $WA: {
    // The error codes (WA.ECANCELED, ...) are added by install() from
    // WA_ERRORS, the table generated from src/wasyncio/errors.h.

    timer: null,
    zeroPending: false,
    port: null,
    macrotasks: null, // page: callbacks posted through the MessageChannel
    programLive: false,
    doneResolve: null,
    // What the other files run when the module stops (fatal): made in
    // install(), added to by onStop() in whatever order the files start.
    stopHooks: null,

    install: function() {
      WA.macrotasks = [];
      if (!WA.stopHooks) WA.stopHooks = [];
      Module['waCall'] = WA.call;
      var errors = {};
      WA_ERRORS.forEach(function(e) { WA[e[0]] = errors[e[0]] = e[1]; });
      Module['waErrors'] = errors;
      Module['waStrerror'] = function(code) { return UTF8ToString(_wa_strerror(code)); };
      Module['waErrorName'] = function(code) {
        var p = _wa_error_name(code);
        return p ? UTF8ToString(p) : null;
      };
      // Time budget of one loop slice before the page gets the thread back.
      Module['waSetSliceMs'] = function(ms) { _wa__web_set_slice_ms(ms); };
      Module['waDone'] = new Promise(function(resolve) { WA.doneResolve = resolve; });
      // A main() that finished without ever suspending never reached
      // wa__js_loop_ended: report its exit status after callMain.
      addOnPostRun(function() {
        if (!WA.programLive && WA.doneResolve)
          WA.finish(EXITSTATUS | 0, EXITSTATUS ? 1 : 0);
      });
      if (ENVIRONMENT_IS_NODE) {
        process.on('beforeExit', function() {
          // EXITSTATUS: C already ended the program (exit, or a fatal
          // report such as a stack overflow) and said why.
          if (WA.programLive && !EXITSTATUS) {
            err('wasyncio: nothing can wake the main task any more (a JS promise that ' +
                'never settles?); exiting with status 1');
            process.exitCode = 1;
          }
        });
      }
    },

    // Register fn(error) to run once when the module stops for good.
    onStop: function(fn) {
      if (!WA.stopHooks) WA.stopHooks = [];
      WA.stopHooks.push(fn);
    },

    C: function(name) {
      return Module['_' + name];
    },

    finish: function(code, status) {
      var r = WA.doneResolve;
      WA.doneResolve = null;
      if (r) r({ code: code, status: status });
    },

    // Run a C entry point from JS. A program's loop leaves C by throwing
    // 'unwind' (wa_run never returns on the web); put the stack back then.
    enter: function(f) {
      var sp = stackSave();
      try {
        return f();
      } catch (e) {
        if (e === 'unwind') { stackRestore(sp); return 0; }
        throw e;
      }
    },

    resume: function() {
      callUserCallback(function() { _wa__web_resume(); });
    },

    // Run fn in a new macrotask with no 4 ms clamp.
    postMacrotask: function(fn) {
      if (ENVIRONMENT_IS_NODE) {
        // A MessagePort would keep Node alive for ever; setImmediate is
        // Node's unclamped macrotask.
        setImmediate(fn);
        return;
      }
      if (!WA.port) {
        var ch = new MessageChannel();
        ch.port1.onmessage = function() { WA.macrotasks.shift()(); };
        WA.port = ch.port2;
      }
      WA.macrotasks.push(fn); // one port delivers in order
      WA.port.postMessage(0);
    },

    postZero: function() {
      WA.postMacrotask(WA.onZero);
    },

    onZero: function() {
      WA.zeroPending = false;
      WA.resume();
    },

    // malloc'd copies of JS data for C (C frees them).
    str: function(s) {
      var n = lengthBytesUTF8(s) + 1;
      var p = _malloc(n);
      if (p) stringToUTF8(s, p, n);
      return p;
    },
    bytes: function(u8) {
      var p = _malloc(u8.length + 1);
      if (p) { HEAPU8.set(u8, p); HEAPU8[p + u8.length] = 0; }
      return p;
    },

    errorOf: function(code, message) {
      var e = new Error(message || UTF8ToString(_wa_strerror(code)));
      e.name = 'WasyncioError';
      e.code = code;
      return e;
    },

    // JSON.stringify, with a finite number's text made directly (the same
    // text by the spec, and 2x faster in V8). Promises and calls use it.
    json: function(v) {
      return typeof v === 'number' && isFinite(v) ? '' + v : JSON.stringify(v);
    },

    // Set by fatal(): the Error every later request gets once the module stopped.
    dead: null,
    // C stops the module for good (a stack overflow's report, already on
    // stderr). In Node the process then ends with the status, as natively
    // (Emscripten's exit). In a page exit() only throws and leaves the
    // runtime up, so settle everything here and keep JS callbacks out of C.
    fatal: function(code, status) {
      if (WA.dead || ENVIRONMENT_IS_NODE) return;
      WA.dead = WA.errorOf(code, 'wasyncio: the module stopped (exit status ' + status +
                           '): ' + UTF8ToString(_wa_strerror(code)) + '; see the report on stderr');
      ABORT = true; // callUserCallback runs nothing in C from now on
      WA.finish(code, status);
      WA.stopHooks.forEach(function(fn) { fn(WA.dead); });
    },
  },

  wa__js_schedule__deps: ['$WA'],
  wa__js_schedule: function(ms) {
    if (ms < 0) {
      if (WA.timer !== null) { clearTimeout(WA.timer); WA.timer = null; }
      return;
    }
    if (ms === 0) {
      if (!WA.zeroPending) { WA.zeroPending = true; WA.postZero(); }
      return;
    }
    if (WA.timer !== null) clearTimeout(WA.timer);
    WA.timer = setTimeout(function() { WA.timer = null; WA.resume(); }, Math.ceil(ms));
  },

  wa__js_unwind__deps: ['$WA', '$runtimeKeepalivePush'],
  wa__js_unwind: function() {
    runtimeKeepalivePush();
    WA.programLive = true;
    throw 'unwind';
  },

  // Returns 1 when C should exit() (a Node program build), else 0.
  wa__js_loop_ended__deps: ['$WA', '$runtimeKeepalivePop'],
  wa__js_loop_ended: function(code, fromProgram) {
    if (!fromProgram) return 0;
    if (WA.programLive) { WA.programLive = false; runtimeKeepalivePop(); }
    WA.finish(code, code === 0 ? 0 : 1);
#if EXIT_RUNTIME
    return 1;
#else
    return 0;
#endif
  },

  wa__js_fatal__deps: ['$WA'],
  wa__js_fatal: function(code, status) { WA.fatal(code, status); },

  // Called once per wa_run: its only job is to be missing from a plain emcc
  // link, so the error names the command to use (src/host/web/loop.c).
  WASYNCIO_LINK_WITH_wasyncio_emcc: function() {},

  // The loop's clock. Emscripten's emscripten_get_now() uses process.hrtime()
  // in Node, which allocates on every call.
  wa__js_now_ms: function() { return performance.now(); },
};

// fiber_asyncify.c imports asyncify.start_unwind & co. The post-link
// `wasm-opt --asyncify` replaces those imports with Binaryen's own functions,
// so these are never called; they exist so the link keeps
// ERROR_ON_UNDEFINED_SYMBOLS on for the user's own symbols.
['start_unwind', 'stop_unwind', 'start_rewind', 'stop_rewind'].forEach(function(n) {
  WasyncioLoop[n] = function() { abort('wasyncio: the .wasm was not post-processed with wasm-opt --asyncify'); };
});

autoAddDeps(WasyncioLoop, '$WA');
mergeInto(LibraryManager.library, WasyncioLoop);
