/* wasyncio_lib.js: the JavaScript half of wasyncio's Emscripten host
 * (pass with --js-library). It owns the loop's wake-ups (setTimeout, and a
 * MessageChannel / setImmediate for zero delay so there is no 4 ms clamp),
 * the promise registry behind wa_js_await, JS->C coroutine calls
 * (Module.waCall), fetch() for wa_fetch, and what happens when a program's
 * main task ends. It never switches tasks: C does that (fiber_asyncify.c);
 * JS only calls back into the loop when something happened.
 *
 * Module API added here:
 *   Module.waPromise(p)          -> handle for wa_js_await in C
 *   Module.waCall(name, arg, {signal}) -> Promise of the C coroutine's result
 *                                (JSON for WA_JS_EXPORT, a number, string or
 *                                bytes for WA_JS_EXPORT_VALUE)
 *   Module.waDone                -> Promise {code, status} of a program's main
 *   Module.waStrerror(code)      -> message of an error code
 *   Module.waErrorName(code)     -> "WA_ECANCELED", ... (null if unknown)
 *   Module.waErrors              -> {ECANCELED: -5, ...}: every code by name
 * The codes come from build/web/wasyncio_errors.js (WA_ERRORS), generated
 * from src/wasyncio/errors.h, and also live on WA (WA.ECANCELED, ...).
 */
var WasyncioLib = {
  $WA__deps: ['$callUserCallback', '$runtimeKeepalivePush', '$runtimeKeepalivePop',
              'malloc', 'free', 'wa_strerror', 'wa_error_name', 'wa__web_resume',
              'wa__web_call', 'wa__web_linger_end',
              'wa__web_set_slice_ms', 'stackSave', 'stackRestore', '$WA_ERRORS'],
  // call.o is always linked (js/wasyncio-emcc.sh exports wa__web_call), and
  // waCall, a hot path, calls it directly. The other C entry points live in
  // objects linked only when the program uses them (js.o, fetch.o), so they
  // are looked up on Module when called: C(name) below.
  $WA__postset: 'WA.install();',
  $WA: {
    // The error codes (WA.ECANCELED, ...) are added by install() from
    // WA_ERRORS, the table generated from src/wasyncio/errors.h.

    timer: null,
    zeroPending: false,
    port: null,
    macrotasks: null, // page: callbacks posted through the MessageChannel
    lingerGen: 0,     // a call loop's linger macrotask (wa__js_linger)
    programLive: false,
    // Maps are made in install(): library objects are serialised to source.
    promises: null, nextPromise: 1,
    // Outstanding waCalls by id: an array with a free list (a Map costs more
    // per call); an id is reused once its call has settled.
    calls: null, freeCalls: null,
    exports: null,    // name -> {fn, namep, value}: a looked-up C coroutine
    fetches: null, nextFetch: 1,
    doneResolve: null,

    install: function() {
      WA.promises = new Map();
      WA.calls = [null];
      WA.callRejects = [null];
      WA.freeCalls = [];
      WA.exports = new Map();
      WA.macrotasks = [];
      WA.fetches = new Map();
      Module['waPromise'] = WA.promise;
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

    // ---------------------------------------------------------- promises
    // JSON.stringify, with a finite number's text made directly (the same
    // text by the spec, and 2x faster in V8).
    json: function(v) {
      return typeof v === 'number' && isFinite(v) ? '' + v : JSON.stringify(v);
    },

    promise: function(p) {
      var h = WA.nextPromise++;
      var rec = { settled: false, ok: false, text: null, op: 0 };
      WA.promises.set(h, rec);
      Promise.resolve(p).then(function(v) {
        var t;
        try {
          t = WA.json(v);
          if (t === undefined) t = 'null';
          rec.ok = true;
        } catch (e) {
          t = 'promise value is not JSON-serializable: ' + e.message;
        }
        rec.text = t;
        WA.settled(h, rec);
      }, function(e) {
        rec.ok = false;
        rec.text = (e && e.message !== undefined) ? String(e.message) : String(e);
        WA.settled(h, rec);
      });
      return h;
    },

    settled: function(h, rec) {
      rec.settled = true;
      if (rec.op) WA.deliverPromise(h, rec);
    },

    deliverPromise: function(h, rec) {
      if (WA.promises.get(h) !== rec || !rec.op) return; // forgotten by C
      WA.promises.delete(h);
      var s = WA.str(rec.text);
      var op = rec.op;
      callUserCallback(function() { WA.C('wa__web_promise_settled')(op, rec.ok ? 1 : 0, s); });
    },

    // -------------------------------------------------------- JS -> C calls
    // The C side is src/host/web/call.c. A coroutine is looked up once per
    // name; its name string (the task's name) lives as long as the module.
    lookup: function(name) {
      var value = false, getter = Module['_wa_js_export_' + name];
      if (typeof getter !== 'function') {
        getter = Module['_wa_js_exportv_' + name];
        value = true;
      }
      if (typeof getter !== 'function') return null;
      var e = { fn: getter(), namep: WA.str(String(name)), value: value };
      if (!e.namep) return null;
      WA.exports.set(name, e);
      return e;
    },

    // WA_JS_EXPORT: the argument as malloc'd JSON text (0 for null).
    startJson: function(e, id, arg) {
      var p = 0;
      if (arg !== null && arg !== undefined) {
        var json = WA.json(arg);
        if (json !== undefined && json !== 'null') {
          p = WA.str(json);
          if (!p) return WA.ENOMEM;
        }
      }
      return _wa__web_call(e.fn, e.namep, id, 0, p, 0, 0, 0, 0);
    },

    // WA_JS_EXPORT_VALUE: a wa_js_value (src/wasyncio/js.h), no JSON.
    // Types: 0 null, 1 number, 2 string, 3 bytes (copied), 4 a view of this
    // module's memory (passed in place).
    startValue: function(e, id, arg) {
      var type = 0, num = 0, data = 0, len = 0;
      if (typeof arg === 'number') {
        type = 1; num = arg;
      } else if (arg === null || arg === undefined) {
        // WA_JS_NULL
      } else if (typeof arg === 'string') {
        type = 2; len = lengthBytesUTF8(arg);
        data = _malloc(len + 1);
        if (!data) return WA.ENOMEM;
        stringToUTF8(arg, data, len + 1);
      } else if (arg instanceof ArrayBuffer || ArrayBuffer.isView(arg)) {
        var u8 = arg instanceof ArrayBuffer ? new Uint8Array(arg)
                                            : new Uint8Array(arg.buffer, arg.byteOffset, arg.byteLength);
        len = u8.length;
        if (u8.buffer === HEAPU8.buffer) {
          type = 4; data = u8.byteOffset;
        } else {
          type = 3; data = _malloc(len || 1);
          if (!data) return WA.ENOMEM;
          HEAPU8.set(u8, data);
        }
      } else {
        throw new TypeError('wasyncio: a WA_JS_EXPORT_VALUE coroutine takes null, a number, ' +
                            'a string or bytes (ArrayBuffer, typed array); got ' + typeof arg);
      }
      return _wa__web_call(e.fn, e.namep, id, 1, 0, type, num, data, len);
    },

    // A call's value from wasm memory: vp is a wa_js_value (src/wasyncio/js.h;
    // wasm32 layout: type @0, number @8, data @16, len @20). type: 0 null,
    // 1 number, 2 string, 3 bytes (copied out), 5 a view of wasm memory (no
    // copy), 100 JSON text.
    readValue: function(vp) {
      var type = HEAP32[vp >> 2];
      if (type === 1) return HEAPF64[(vp + 8) >> 3];
      if (type === 0) return null;
      var data = HEAPU32[(vp + 16) >> 2], len = HEAPU32[(vp + 20) >> 2];
      if (type === 2) return data ? UTF8ToString(data, len) : '';
      if (type === 3) return HEAPU8.slice(data, data + len);
      if (type === 5) return new Uint8Array(HEAPU8.buffer, data, len);
      if (type === 100 && data) {
        var t = UTF8ToString(data, len);
        try { return JSON.parse(t); } catch (e) { return t; }
      }
      return null;
    },

    // WA.calls[id] is what call id has: null (the id is free), CALL_STARTING
    // while C starts it (nothing settled yet), CALL_SETTLED when it settled
    // during its start (the outcome in WA.syncOk/syncValue, which call()
    // takes as soon as C returns, before any other call can start), or,
    // once it is outstanding, its Promise's resolve (reject in
    // WA.callRejects[id]). Most calls finish during their start (the
    // coroutine returns without suspending): those get Promise.resolve(v),
    // which costs one Promise and no executor or resolving functions.
    CALL_STARTING: 1, CALL_SETTLED: 2,
    callRejects: null, syncOk: false, syncValue: null,
    callFree: function(id) {
      WA.calls[id] = WA.callRejects[id] = null;
      WA.freeCalls.push(id);
    },
    // From wa__js_call_settled: call id's outcome (ok, or v is the Error).
    callSettle: function(id, ok, v) {
      var slot = WA.calls[id];
      if (slot === WA.CALL_STARTING) {
        WA.calls[id] = WA.CALL_SETTLED;
        WA.syncOk = ok;
        WA.syncValue = v;
      } else if (typeof slot === 'function') {
        var reject = WA.callRejects[id];
        WA.callFree(id);
        if (ok) slot(v); else reject(v);
      }
    },
    newCallId: 0,
    callExecutor: function(resolve, reject) {
      WA.calls[WA.newCallId] = resolve;
      WA.callRejects[WA.newCallId] = reject;
    },

    lastName: null, lastExport: null, // the export called last: no Map lookup in a loop
    // Set by fatal(): the Error every waCall gets once the module stopped.
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
      for (var id = 1; id < WA.calls.length; id++) {
        var reject = typeof WA.calls[id] === 'function' && WA.callRejects[id];
        if (reject) { WA.callFree(id); reject(WA.dead); }
      }
    },

    call: function(name, arg, opts) {
      if (WA.dead) return Promise.reject(WA.dead);
      var e = WA.lastExport;
      if (name !== WA.lastName) {
        e = WA.exports.get(name) || WA.lookup(name);
        if (e) { WA.lastName = name; WA.lastExport = e; }
      }
      if (!e) {
        return Promise.reject(new Error('wasyncio: no C coroutine exported as "' + name +
                                        '" (use WA_JS_EXPORT(' + name + ') or WA_JS_EXPORT_VALUE)'));
      }
      var id = WA.freeCalls.length ? WA.freeCalls.pop() : WA.calls.length;
      // Registered before C runs: the call may settle at once.
      WA.calls[id] = WA.CALL_STARTING;
      var rc;
      // No 'unwind' can come out of here (a loop started for calls returns,
      // and a program's loop only gets a wake-up), so no stackSave either.
      try {
        rc = e.value ? WA.startValue(e, id, arg) : WA.startJson(e, id, arg);
      } catch (x) {
        WA.callFree(id);
        // e.g. JSON.stringify of a cycle, a TypeError; or exit()'s
        // ExitStatus when this very call stopped the module.
        return Promise.reject(WA.dead || x);
      }
      if (rc > 0) { // succeeded at once: rc is the address of its value
        WA.calls[id] = null;
        WA.freeCalls.push(id);
        return Promise.resolve(WA.readValue(rc));
      }
      if (WA.calls[id] === WA.CALL_SETTLED) {
        var v = WA.syncValue;
        WA.syncValue = null;
        WA.calls[id] = null;
        WA.freeCalls.push(id);
        return WA.syncOk ? Promise.resolve(v) : Promise.reject(v);
      }
      if (rc < 0) {
        WA.callFree(id);
        return Promise.reject(WA.errorOf(rc));
      }
      WA.newCallId = id;
      var promise = new Promise(WA.callExecutor);
      var mine = WA.calls[id];
      var signal = opts && opts.signal;
      if (signal) {
        var onAbort = function() {
          if (WA.calls[id] === mine) WA.enter(function() { return WA.C('wa__web_call_cancel')(id); });
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      return promise;
    },

    // ---------------------------------------------------------------- fetch
    fetchError: function(e, rec) {
      if (rec.timedOut) return WA.ETIMEDOUT;
      if (e && e.name === 'AbortError') return WA.ECANCELED;
      // Node (undici) tells the cause; browsers say only "Failed to fetch".
      var c = e && e.cause;
      var code = c && (c.code || (c.cause && c.cause.code));
      if (code === 'ECONNREFUSED') return WA.ECONNREFUSED;
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return WA.EDNS;
      if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return WA.ETIMEDOUT;
      if (code === 'ERR_INVALID_URL') return WA.EURL;
      if (c && /redirect count exceeded/.test(c.message)) return WA.EREDIRECTS; // Node
      // Node's certificate and handshake failures (browsers do not say).
      if (typeof code === 'string' &&
          /CERT|SIGNATURE|^ERR_SSL_|^ERR_TLS_|HOSTNAME_MISMATCH|INVALID_CA|CHAIN_TOO_LONG/.test(code))
        return WA.ETLS;
      // A response head over undici's limit (16 KiB), as natively over ours.
      if (code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'HPE_HEADER_OVERFLOW') return WA.ETOOBIG;
      if (typeof code === 'string' && code.indexOf('HPE_') === 0) return WA.EPROTO;
      return WA.ENET;
    },

    fetchDeliver: function(op, code, status, hdrs, body) {
      var hp = 0, hl = 0, bp = 0, bl = 0;
      if (code === 0) {
        var enc = new TextEncoder();
        var parts = [];
        for (var i = 0; i < hdrs.length; i++) parts.push(hdrs[i], '\0');
        var hb = enc.encode(parts.join(''));
        hl = hb.length;
        hp = hl ? WA.bytes(hb) : 0;
        if (body && body.length) { bl = body.length; bp = WA.bytes(body); }
        if ((hl && !hp) || (bl && !bp)) code = WA.ENOMEM;
      }
      callUserCallback(function() { WA.C('wa__web_fetch_result')(op, code, status, hp, hl, bp, bl); });
    },

    fetchRun: function(id, rec, url, init, maxBody, stream) {
      var status = 0, hdrs = [], chunks = [], total = 0;
      var forgotten = function() { return WA.fetches.get(id) !== rec; };
      var done = function(code, body) {
        if (forgotten()) return; // C cancelled: it must not hear from us
        if (code || !stream) WA.fetchForget(id, rec);
        WA.fetchDeliver(rec.op, code, status, hdrs, body);
      };
      fetch(url, init).then(function(resp) {
        if (resp.type === 'opaqueredirect') {
          // max_redirects = 0 in a page: the browser hides the 3xx response.
          done(WA.ENOTSUP);
          return;
        }
        status = resp.status;
        resp.headers.forEach(function(v, k) { hdrs.push(k, v); });
        if (stream) {
          rec.reader = resp.body ? resp.body.getReader() : null;
          done(0, null);
          return;
        }
        if (!resp.body) { done(0, null); return; }
        var reader = resp.body.getReader();
        var pump = function() {
          return reader.read().then(function(r) {
            if (forgotten()) { reader.cancel().catch(function() {}); return; }
            if (r.done) {
              var body = new Uint8Array(total), off = 0;
              for (var i = 0; i < chunks.length; i++) { body.set(chunks[i], off); off += chunks[i].length; }
              done(0, body);
              return;
            }
            total += r.value.length;
            if (total > maxBody) {
              rec.ctl.abort();
              done(WA.ETOOBIG);
              return;
            }
            chunks.push(r.value);
            return pump();
          });
        };
        return pump();
      }).catch(function(e) { done(WA.fetchError(e, rec)); });
    },

    fetchForget: function(id, rec) {
      WA.fetches.delete(id);
      if (rec.timer) { clearTimeout(rec.timer); rec.timer = null; }
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

  wa__js_promise_watch__deps: ['$WA'],
  wa__js_promise_watch: function(h, op) {
    var rec = WA.promises.get(h);
    if (!rec || rec.op) return -1;
    rec.op = op;
    if (rec.settled) queueMicrotask(function() { WA.deliverPromise(h, rec); });
    return 0;
  },

  wa__js_promise_forget__deps: ['$WA'],
  wa__js_promise_forget: function(h) {
    WA.promises.delete(h);
  },

  // Settle a waCall that did not end during its start (call.c). vp: its
  // value as WA.readValue reads it; on failure data/len is the message.
  wa__js_call_settled__deps: ['$WA'],
  wa__js_call_settled: function(id, code, vp) {
    if (!WA.calls[id]) return;
    if (code !== 0) {
      var data = HEAPU32[(vp + 16) >> 2], len = HEAPU32[(vp + 20) >> 2];
      WA.callSettle(id, false, WA.errorOf(code, data ? UTF8ToString(data, len) : ''));
      return;
    }
    WA.callSettle(id, true, WA.readValue(vp));
  },

  wa__js_fatal__deps: ['$WA'],
  wa__js_fatal: function(code, status) { WA.fatal(code, status); },

  // A loop started for JS calls stays open one macrotask after its last
  // call (call.c), so awaited calls in a row share it.
  wa__js_linger__deps: ['$WA'],
  wa__js_linger: function() {
    var gen = ++WA.lingerGen;
    WA.postMacrotask(function() {
      if (gen === WA.lingerGen)
        callUserCallback(function() { _wa__web_linger_end(); });
    });
  },
  wa__js_linger_forget__deps: ['$WA'],
  wa__js_linger_forget: function() { WA.lingerGen++; },

  // Called once per wa_run: its only job is to be missing from a plain emcc
  // link, so the error names the command to use (src/host/web/loop.c).
  WASYNCIO_LINK_WITH_wasyncio_emcc: function() {},

  // The loop's clock. Emscripten's emscripten_get_now() uses process.hrtime()
  // in Node, which allocates on every call.
  wa__js_now_ms: function() { return performance.now(); },

  wa__js_fetch_start__deps: ['$WA'],
  wa__js_fetch_start: function(op, urlp, methodp, hdrsp, bodyp, bodyLen, timeoutMs,
                               maxRedirects, maxBody, stream) {
    if (typeof fetch !== 'function' || typeof AbortController !== 'function')
      return WA.ENOTSUP; // e.g. Node run with --no-experimental-fetch
    var url = UTF8ToString(urlp), u;
    try {
      u = new URL(url, typeof location === 'object' ? location.href : undefined);
    } catch (e) {
      return WA.EURL;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return WA.ESCHEME;
    var headers = [];
    if (hdrsp) {
      for (var i = 0; ; i++) {
        var p = HEAP32[(hdrsp >> 2) + i];
        if (!p) break;
        var line = UTF8ToString(p), c = line.indexOf(':');
        headers.push([line.slice(0, c).trim(), line.slice(c + 1).trim()]);
      }
    }
    var id = WA.nextFetch++;
    var rec = { op: op, ctl: new AbortController(), timedOut: false, reader: null, timer: null };
    var init = {
      method: UTF8ToString(methodp),
      headers: headers,
      redirect: maxRedirects === 0 ? 'manual' : 'follow',
      signal: rec.ctl.signal,
    };
    if (bodyLen > 0) init.body = HEAPU8.slice(bodyp, bodyp + bodyLen);
    WA.fetches.set(id, rec);
    // setTimeout fires at once past 2^31-1 ms (24.8 days): clamp to that.
    if (timeoutMs > 0)
      rec.timer = setTimeout(function() { rec.timedOut = true; rec.ctl.abort(); },
                             Math.min(timeoutMs, 2147483647));
    WA.fetchRun(id, rec, u.href, init, maxBody, !!stream);
    return id;
  },

  wa__js_fetch_abort__deps: ['$WA'],
  wa__js_fetch_abort: function(id) {
    var rec = WA.fetches.get(id);
    if (!rec) return;
    WA.fetchForget(id, rec);
    rec.ctl.abort();
    if (rec.reader) rec.reader.cancel().catch(function() {});
  },

  wa__js_fetch_read__deps: ['$WA'],
  wa__js_fetch_read: function(id, op) {
    var rec = WA.fetches.get(id);
    if (!rec) return -1;
    rec.op = op;
    var deliver = function(code, data) {
      if (WA.fetches.get(id) !== rec) return;
      var p = 0, n = 0;
      if (code === 0 && data) { n = data.length; p = WA.bytes(data); if (!p) code = WA.ENOMEM; }
      if (code || !data) WA.fetchForget(id, rec);
      callUserCallback(function() { WA.C('wa__web_fetch_chunk')(op, code, p, n); });
    };
    if (!rec.reader) {
      queueMicrotask(function() { deliver(0, null); });
      return 0;
    }
    var next = function() {
      rec.reader.read().then(function(r) {
        if (r.done) deliver(0, null);
        else if (r.value.length === 0) next();
        else deliver(0, r.value);
      }, function(e) { deliver(WA.fetchError(e, rec), null); });
    };
    next();
    return 0;
  },
};

// fiber_asyncify.c imports asyncify.start_unwind & co. The post-link
// `wasm-opt --asyncify` replaces those imports with Binaryen's own functions,
// so these are never called; they exist so the link keeps
// ERROR_ON_UNDEFINED_SYMBOLS on for the user's own symbols.
['start_unwind', 'stop_unwind', 'start_rewind', 'stop_rewind'].forEach(function(n) {
  WasyncioLib[n] = function() { abort('wasyncio: the .wasm was not post-processed with wasm-opt --asyncify'); };
});

autoAddDeps(WasyncioLib, '$WA');
mergeInto(LibraryManager.library, WasyncioLib);
