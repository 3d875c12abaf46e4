/* wasyncio_fetch.js: fetch() for wa_fetch (C side: src/host/web/fetch.c).
 * Linked when the program fetches (fetch.o imports wa__js_fetch_*), with
 * wasyncio_loop.js. A response is delivered whole (head and body), or its
 * head first and then its body chunk by chunk (a stream); failures map to
 * WA_E* codes as closely as the environment tells (fetchError).
 */
var WasyncioFetch = {
  $WAFETCH__deps: ['$WA', '$callUserCallback'],
  $WAFETCH__postset: 'WAFETCH.init();',
  $WAFETCH: {
    // A Map, made in init(): library objects are serialised to source.
    fetches: null, nextFetch: 1,

    init: function() {
      WAFETCH.fetches = new Map();
    },

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
      var forgotten = function() { return WAFETCH.fetches.get(id) !== rec; };
      var done = function(code, body) {
        if (forgotten()) return; // C cancelled: it must not hear from us
        if (code || !stream) WAFETCH.fetchForget(id, rec);
        WAFETCH.fetchDeliver(rec.op, code, status, hdrs, body);
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
      }).catch(function(e) { done(WAFETCH.fetchError(e, rec)); });
    },

    fetchForget: function(id, rec) {
      WAFETCH.fetches.delete(id);
      if (rec.timer) { clearTimeout(rec.timer); rec.timer = null; }
    },
  },

  wa__js_fetch_start__deps: ['$WAFETCH'],
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
    var id = WAFETCH.nextFetch++;
    var rec = { op: op, ctl: new AbortController(), timedOut: false, reader: null, timer: null };
    var init = {
      method: UTF8ToString(methodp),
      headers: headers,
      redirect: maxRedirects === 0 ? 'manual' : 'follow',
      signal: rec.ctl.signal,
    };
    if (bodyLen > 0) init.body = HEAPU8.slice(bodyp, bodyp + bodyLen);
    WAFETCH.fetches.set(id, rec);
    // setTimeout fires at once past 2^31-1 ms (24.8 days): clamp to that.
    if (timeoutMs > 0)
      rec.timer = setTimeout(function() { rec.timedOut = true; rec.ctl.abort(); },
                             Math.min(timeoutMs, 2147483647));
    WAFETCH.fetchRun(id, rec, u.href, init, maxBody, !!stream);
    return id;
  },

  wa__js_fetch_abort__deps: ['$WAFETCH'],
  wa__js_fetch_abort: function(id) {
    var rec = WAFETCH.fetches.get(id);
    if (!rec) return;
    WAFETCH.fetchForget(id, rec);
    rec.ctl.abort();
    if (rec.reader) rec.reader.cancel().catch(function() {});
  },

  wa__js_fetch_read__deps: ['$WAFETCH'],
  wa__js_fetch_read: function(id, op) {
    var rec = WAFETCH.fetches.get(id);
    if (!rec) return -1;
    rec.op = op;
    var deliver = function(code, data) {
      if (WAFETCH.fetches.get(id) !== rec) return;
      var p = 0, n = 0;
      if (code === 0 && data) { n = data.length; p = WA.bytes(data); if (!p) code = WA.ENOMEM; }
      if (code || !data) WAFETCH.fetchForget(id, rec);
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
      }, function(e) { deliver(WAFETCH.fetchError(e, rec), null); });
    };
    next();
    return 0;
  },
};

autoAddDeps(WasyncioFetch, '$WAFETCH');
mergeInto(LibraryManager.library, WasyncioFetch);
