/* wasyncio_call.js: JS calls C coroutines (C side: src/host/web/call.c).
 * call.o is always linked (js/wasyncio-emcc.sh exports wa__web_call), so
 * this file's part is too, with wasyncio_loop.js.
 *
 * Module API added here:
 *   Module.waCall(name, arg, {signal}) -> Promise of the C coroutine's result
 *                                (JSON for WA_JS_EXPORT, a number, string or
 *                                bytes for WA_JS_EXPORT_VALUE)
 */
var WasyncioCall = {
  // waCall, a hot path, calls wa__web_call directly.
  $WACALL__deps: ['$WA', '$callUserCallback', 'malloc', 'wa__web_call', 'wa__web_linger_end'],
  $WACALL__postset: 'WACALL.init();',
  $WACALL: {
    // Outstanding waCalls by id: an array with a free list (a Map costs more
    // per call); an id is reused once its call has settled. Made in init():
    // library objects are serialised to source.
    calls: null, freeCalls: null,
    exports: null,    // name -> {fn, namep, value}: a looked-up C coroutine
    lingerGen: 0,     // a call loop's linger macrotask (wa__js_linger)

    init: function() {
      WACALL.calls = [null];
      WACALL.callRejects = [null];
      WACALL.freeCalls = [];
      WACALL.exports = new Map();
      Module['waCall'] = WACALL.call;
      WA.onStop(WACALL.rejectAll);
    },

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
      WACALL.exports.set(name, e);
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

    // WACALL.calls[id] is what call id has: null (the id is free), CALL_STARTING
    // while C starts it (nothing settled yet), CALL_SETTLED when it settled
    // during its start (the outcome in WACALL.syncOk/syncValue, which call()
    // takes as soon as C returns, before any other call can start), or,
    // once it is outstanding, its Promise's resolve (reject in
    // WACALL.callRejects[id]). Most calls finish during their start (the
    // coroutine returns without suspending): those get Promise.resolve(v),
    // which costs one Promise and no executor or resolving functions.
    CALL_STARTING: 1, CALL_SETTLED: 2,
    callRejects: null, syncOk: false, syncValue: null,
    callFree: function(id) {
      WACALL.calls[id] = WACALL.callRejects[id] = null;
      WACALL.freeCalls.push(id);
    },
    // From wa__js_call_settled: call id's outcome (ok, or v is the Error).
    callSettle: function(id, ok, v) {
      var slot = WACALL.calls[id];
      if (slot === WACALL.CALL_STARTING) {
        WACALL.calls[id] = WACALL.CALL_SETTLED;
        WACALL.syncOk = ok;
        WACALL.syncValue = v;
      } else if (typeof slot === 'function') {
        var reject = WACALL.callRejects[id];
        WACALL.callFree(id);
        if (ok) slot(v); else reject(v);
      }
    },
    newCallId: 0,
    callExecutor: function(resolve, reject) {
      WACALL.calls[WACALL.newCallId] = resolve;
      WACALL.callRejects[WACALL.newCallId] = reject;
    },

    lastName: null, lastExport: null, // the export called last: no Map lookup in a loop

    // The module stopped (WA.fatal): every outstanding call fails with err.
    rejectAll: function(err) {
      for (var id = 1; id < WACALL.calls.length; id++) {
        var reject = typeof WACALL.calls[id] === 'function' && WACALL.callRejects[id];
        if (reject) { WACALL.callFree(id); reject(err); }
      }
    },

    call: function(name, arg, opts) {
      if (WA.dead) return Promise.reject(WA.dead);
      var e = WACALL.lastExport;
      if (name !== WACALL.lastName) {
        e = WACALL.exports.get(name) || WACALL.lookup(name);
        if (e) { WACALL.lastName = name; WACALL.lastExport = e; }
      }
      if (!e) {
        return Promise.reject(new Error('wasyncio: no C coroutine exported as "' + name +
                                        '" (use WA_JS_EXPORT(' + name + ') or WA_JS_EXPORT_VALUE)'));
      }
      var id = WACALL.freeCalls.length ? WACALL.freeCalls.pop() : WACALL.calls.length;
      // Registered before C runs: the call may settle at once.
      WACALL.calls[id] = WACALL.CALL_STARTING;
      var rc;
      // No 'unwind' can come out of here (a loop started for calls returns,
      // and a program's loop only gets a wake-up), so no stackSave either.
      try {
        rc = e.value ? WACALL.startValue(e, id, arg) : WACALL.startJson(e, id, arg);
      } catch (x) {
        WACALL.callFree(id);
        // e.g. JSON.stringify of a cycle, a TypeError; or exit()'s
        // ExitStatus when this very call stopped the module.
        return Promise.reject(WA.dead || x);
      }
      if (rc > 0) { // succeeded at once: rc is the address of its value
        WACALL.calls[id] = null;
        WACALL.freeCalls.push(id);
        return Promise.resolve(WACALL.readValue(rc));
      }
      if (WACALL.calls[id] === WACALL.CALL_SETTLED) {
        var v = WACALL.syncValue;
        WACALL.syncValue = null;
        WACALL.calls[id] = null;
        WACALL.freeCalls.push(id);
        return WACALL.syncOk ? Promise.resolve(v) : Promise.reject(v);
      }
      if (rc < 0) {
        WACALL.callFree(id);
        return Promise.reject(WA.errorOf(rc));
      }
      WACALL.newCallId = id;
      var promise = new Promise(WACALL.callExecutor);
      var mine = WACALL.calls[id];
      var signal = opts && opts.signal;
      if (signal) {
        var onAbort = function() {
          if (WACALL.calls[id] === mine) WA.enter(function() { return WA.C('wa__web_call_cancel')(id); });
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      return promise;
    },
  },

  // Settle a waCall that did not end during its start (call.c). vp: its
  // value as WACALL.readValue reads it; on failure data/len is the message.
  wa__js_call_settled__deps: ['$WACALL'],
  wa__js_call_settled: function(id, code, vp) {
    if (!WACALL.calls[id]) return;
    if (code !== 0) {
      var data = HEAPU32[(vp + 16) >> 2], len = HEAPU32[(vp + 20) >> 2];
      WACALL.callSettle(id, false, WA.errorOf(code, data ? UTF8ToString(data, len) : ''));
      return;
    }
    WACALL.callSettle(id, true, WACALL.readValue(vp));
  },

  // A loop started for JS calls stays open one macrotask after its last
  // call (call.c), so awaited calls in a row share it.
  wa__js_linger__deps: ['$WACALL'],
  wa__js_linger: function() {
    var gen = ++WACALL.lingerGen;
    WA.postMacrotask(function() {
      if (gen === WACALL.lingerGen)
        callUserCallback(function() { _wa__web_linger_end(); });
    });
  },
  wa__js_linger_forget__deps: ['$WACALL'],
  wa__js_linger_forget: function() { WACALL.lingerGen++; },
};

autoAddDeps(WasyncioCall, '$WACALL');
mergeInto(LibraryManager.library, WasyncioCall);
