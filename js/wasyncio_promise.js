/* wasyncio_promise.js: JS promises that C awaits (C side:
 * src/host/web/js.c, wa_js_await). JS registers a promise with
 * Module.waPromise(p) and passes the returned handle to C; its value comes
 * back as JSON text, a rejection as its message. Linked when the program
 * awaits a promise (js.o imports wa__js_promise_*), with wasyncio_loop.js.
 *
 * Module API added here:
 *   Module.waPromise(p)          -> handle for wa_js_await in C
 */
var WasyncioPromise = {
  $WAPROMISE__deps: ['$WA', '$callUserCallback'],
  $WAPROMISE__postset: 'WAPROMISE.init();',
  $WAPROMISE: {
    // A Map, made in init(): library objects are serialised to source.
    promises: null, nextPromise: 1,

    init: function() {
      WAPROMISE.promises = new Map();
      Module['waPromise'] = WAPROMISE.promise;
    },

    promise: function(p) {
      var h = WAPROMISE.nextPromise++;
      var rec = { settled: false, ok: false, text: null, op: 0 };
      WAPROMISE.promises.set(h, rec);
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
        WAPROMISE.settled(h, rec);
      }, function(e) {
        rec.ok = false;
        rec.text = (e && e.message !== undefined) ? String(e.message) : String(e);
        WAPROMISE.settled(h, rec);
      });
      return h;
    },

    settled: function(h, rec) {
      rec.settled = true;
      if (rec.op) WAPROMISE.deliverPromise(h, rec);
    },

    deliverPromise: function(h, rec) {
      if (WAPROMISE.promises.get(h) !== rec || !rec.op) return; // forgotten by C
      WAPROMISE.promises.delete(h);
      var s = WA.str(rec.text);
      var op = rec.op;
      callUserCallback(function() { WA.C('wa__web_promise_settled')(op, rec.ok ? 1 : 0, s); });
    },
  },

  wa__js_promise_watch__deps: ['$WAPROMISE'],
  wa__js_promise_watch: function(h, op) {
    var rec = WAPROMISE.promises.get(h);
    if (!rec || rec.op) return -1;
    rec.op = op;
    if (rec.settled) queueMicrotask(function() { WAPROMISE.deliverPromise(h, rec); });
    return 0;
  },

  wa__js_promise_forget__deps: ['$WAPROMISE'],
  wa__js_promise_forget: function(h) {
    WAPROMISE.promises.delete(h);
  },
};

autoAddDeps(WasyncioPromise, '$WAPROMISE');
mergeInto(LibraryManager.library, WasyncioPromise);
