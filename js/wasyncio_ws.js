/* wasyncio_ws.js: the JavaScript half of the Emscripten host's WebSocket
 * client (C side: src/host/web/ws.c). Pass with --js-library with
 * wasyncio_loop.js (js/wasyncio-emcc.sh does); its functions are linked only
 * when a program uses wa_ws_*.
 *
 * What it binds to:
 *  - a page: the browser's own WebSocket;
 *  - Node: the `ws` npm package (8.x, pinned in js/package.json): looked up
 *    with require('ws') from the program's directory, then in the copy that
 *    `make install` puts in PREFIX/lib/wasyncio/web/node_modules (its path is
 *    baked into the program by wasyncio-emcc as Module.waWsModule), then the
 *    global WebSocket (Node 22, or Node 20 run with --experimental-websocket)
 *    with a page's limits. None of them: WA_ENOTSUP, said once on stderr.
 *
 * Events become awaits. Each socket keeps a queue of what happened, in the
 * order it happened (messages, an error such as a message over the limit,
 * the close); C takes one entry per receive. A receive that finds the queue
 * empty leaves its op here and the next event completes it; a cancelled
 * receive only drops its op, so no entry is ever lost. An entry is written
 * into C's web_ws_entry (kind @0, code @4, data @8, len @12; wasm32), its
 * data malloc'd here and owned by C from then on.
 *
 * Entry kinds (src/host/web/ws.c has the same numbers): 1 text, 2 binary,
 * 8 close (code, reason as data; code 1006 when the connection ended without
 * a close handshake), 0 error (code < 0, a WA_E* code; len is the close code
 * our side sent for it). Node's ws stops reading while more than 1 MiB waits
 * untaken (READ_HIGH); sends report bufferedAmount and C waits on it (drain).
 */
var WasyncioWs = {
  $WAWS__deps: ['$WA', '$callUserCallback', 'malloc', 'free'],
  $WAWS: {
    socks: null, // id -> rec (a Map, made on first use)
    nextId: 1,
    nodeLib: undefined, // Node: the ws module, null when absent
    warned: false,
    decoder: null,
    encoder: null,

    KIND_ERROR: 0, KIND_TEXT: 1, KIND_BINARY: 2, KIND_CLOSE: 8,

    map: function() {
      if (!WAWS.socks) WAWS.socks = new Map();
      return WAWS.socks;
    },

    // Node's WebSocket: the ws package, else the global one, else null.
    nodeImpl: function() {
      if (WAWS.nodeLib !== undefined) return WAWS.nodeLib;
      var lib = null, tries = ['ws'];
      if (Module['waWsModule']) tries.push(Module['waWsModule']);
      for (var i = 0; i < tries.length && !lib; i++) {
        try { lib = require(tries[i]); } catch (e) { /* next */ }
      }
      if (lib && typeof lib !== 'function') lib = lib.WebSocket || null;
      WAWS.nodeLib = lib ? { ws: lib } : null;
      return WAWS.nodeLib;
    },

    // ---------------------------------------------------------- delivery
    // Write entry e into C's wa__web_ws_msg at p. Returns 0 or WA_ENOMEM.
    write: function(p, e) {
      var data = 0, len = 0, code = e.code | 0;
      if (e.data !== null && e.data !== undefined) {
        var u8 = typeof e.data === 'string' ? WAWS.utf8(e.data) : e.data;
        len = u8.length;
        data = WA.bytes(u8);
        if (!data) return WA.ENOMEM;
      }
      if (e.kind === WAWS.KIND_ERROR) len = e.sent | 0; // the close code we sent
      HEAP32[p >> 2] = e.kind;
      HEAP32[(p + 4) >> 2] = code;
      HEAPU32[(p + 8) >> 2] = data;
      HEAPU32[(p + 12) >> 2] = len;
      return 0;
    },

    // A string's UTF-8 bytes: TextEncoder is native (Emscripten's
    // stringToUTF8 is a JS loop).
    utf8: function(s) {
      if (!WAWS.encoder) WAWS.encoder = new TextEncoder();
      return WAWS.encoder.encode(s);
    },

    // Received bytes a program has not taken yet. Node's ws stops reading
    // from the socket above READ_HIGH (TCP then holds the sender back) and
    // reads again at READ_LOW; a page's WebSocket cannot stop reading.
    READ_HIGH: 1 << 20, READ_LOW: 256 << 10,
    taken: function(rec) {
      var e = rec.queue.shift();
      rec.queued -= e.data ? e.data.length : 0;
      if (rec.paused && rec.queued <= WAWS.READ_LOW) { rec.paused = false; rec.ws.resume(); }
    },

    // Complete a waiting receive with the next entry, if both exist.
    pump: function(rec) {
      if (!rec.recvOp || !rec.queue.length) return;
      var op = rec.recvOp, msgp = rec.recvMsg;
      rec.recvOp = 0;
      var rc = WAWS.write(msgp, rec.queue[0]);
      if (rc === 0) WAWS.taken(rec); // on ENOMEM the entry stays queued
      callUserCallback(function() { WA.C('wa__web_ws_done')(op, rc); });
    },

    push: function(rec, e) {
      if (rec.ended) return; // nothing follows the close
      if (e.kind === WAWS.KIND_CLOSE) {
        rec.ended = true;
        rec.endCode = e.code;
        rec.endReason = e.data;
        WAWS.wakeAll(rec);
      }
      rec.queue.push(e);
      rec.queued += e.data ? e.data.length : 0;
      if (rec.node && !rec.paused && !rec.ended && rec.queued > WAWS.READ_HIGH &&
          typeof rec.ws.pause === 'function') {
        rec.paused = true;
        rec.ws.pause();
      }
      WAWS.pump(rec);
    },

    // Complete op with code (drains and close waits).
    done: function(op, code) {
      callUserCallback(function() { WA.C('wa__web_ws_done')(op, code); });
    },

    // The socket ended: every drain and close wait is over.
    wakeAll: function(rec) {
      WAWS.stopDrainPoll(rec);
      var ops = rec.drains.map(function(d) { return d.op; }).concat(rec.closeWaits);
      rec.drains = [];
      rec.closeWaits = [];
      ops.forEach(function(op) { WAWS.done(op, 0); });
    },

    // An incoming message: kept unless it is over the limit, which becomes
    // an error entry, and the connection is closed with 1009 (a page may not
    // send 1009: it closes with 1000 and says why in the reason).
    message: function(rec, kind, data) {
      if (rec.tooBig) return;
      if (typeof data === 'string') data = WAWS.utf8(data); // encoded once, here
      var n = data.length;
      if (rec.maxMsg > 0 && n > rec.maxMsg) {
        rec.tooBig = true;
        // Close first: C may run (and free the socket) inside the push.
        try {
          if (rec.node) rec.ws.close(1009, 'message too big');
          else rec.ws.close(1000, 'message too big');
        } catch (e) { /* already closing */ }
        WAWS.push(rec, { kind: WAWS.KIND_ERROR, code: WA.ETOOBIG, sent: 1009, data: null });
        return;
      }
      WAWS.push(rec, { kind: kind, code: 0, data: data });
    },

    // The connection attempt ended (open, or failed with code<0 and, for a
    // refused handshake, the HTTP status).
    opened: function(rec, code, status) {
      if (rec.openDone) return;
      rec.openDone = true;
      if (rec.timer) { clearTimeout(rec.timer); rec.timer = null; }
      rec.status = status | 0;
      var op = rec.recvOp;
      rec.recvOp = 0;
      if (!op) return; // C gave up (cancelled): it frees the socket
      var proto = 0;
      if (code === 0 && rec.ws.protocol) {
        proto = WA.str(rec.ws.protocol);
        if (!proto) code = WA.ENOMEM;
      }
      HEAP32[rec.recvMsg >> 2] = 0;
      HEAP32[(rec.recvMsg + 4) >> 2] = rec.status;
      HEAPU32[(rec.recvMsg + 8) >> 2] = proto;
      HEAPU32[(rec.recvMsg + 12) >> 2] = proto ? lengthBytesUTF8(rec.ws.protocol) : 0;
      callUserCallback(function() { WA.C('wa__web_ws_done')(op, code); });
    },

    // A page learns nothing about a failed handshake (the WebSocket spec
    // hides it). One GET of the same URL tells a refused connection from a
    // server that answered, and, when the page may read the answer (same
    // origin, or CORS), its status.
    probe: function(rec) {
      var http = rec.url.replace(/^ws/, 'http');
      var init = { cache: 'no-store', credentials: 'omit', redirect: 'manual' };
      var answered = function(status) { WAWS.opened(rec, WA.EHTTP, status); };
      if (typeof fetch !== 'function') { WAWS.opened(rec, WA.ENET, 0); return; }
      fetch(http, init).then(function(r) {
        answered(r.type === 'opaqueredirect' ? 0 : r.status);
      }, function() {
        init.mode = 'no-cors';
        init.redirect = 'follow'; // the only one no-cors allows
        fetch(http, init).then(function() { answered(0); },
                               function() { WAWS.opened(rec, WA.ECONNREFUSED, 0); });
      });
    },

    // ------------------------------------------------------------ binding
    // A page's WebSocket (also Node's global one).
    bindBrowser: function(rec, Impl, protocols) {
      var ws = new Impl(rec.url, protocols);
      ws.binaryType = 'arraybuffer';
      rec.ws = ws;
      ws.onopen = function() { WAWS.opened(rec, 0, 101); };
      ws.onmessage = function(ev) {
        var d = ev.data;
        if (typeof d === 'string') WAWS.message(rec, WAWS.KIND_TEXT, d);
        else WAWS.message(rec, WAWS.KIND_BINARY, new Uint8Array(d));
      };
      // Browsers fire error, then close. Node 20's global WebSocket (undici)
      // fires only error for a failed handshake, so either one starts the
      // probe, and an error after the open that no close follows within a
      // second ends the socket as a lost connection.
      var failed = function() {
        if (rec.probing || rec.openDone) return;
        rec.probing = true;
        if (rec.timedOut) WAWS.opened(rec, WA.ETIMEDOUT, 0);
        else WAWS.probe(rec);
      };
      ws.onerror = function() {
        if (!rec.openDone) { failed(); return; }
        setTimeout(function() {
          if (!rec.ended) WAWS.push(rec, { kind: WAWS.KIND_CLOSE, code: 1006, data: '' });
        }, 1000);
      };
      ws.onclose = function(ev) {
        if (!rec.openDone) { failed(); return; }
        WAWS.push(rec, { kind: WAWS.KIND_CLOSE, code: ev.wasClean ? ev.code : 1006,
                         data: ev.reason || '' });
      };
    },

    // Node's ws: its own events (the HTTP status of a refused handshake,
    // errors with codes, text as UTF-8 bytes with no decoding).
    nodeError: function(e) {
      var code = e && e.code;
      if (code === 'ECONNREFUSED') return WA.ECONNREFUSED;
      if (code === 'ECONNRESET') return WA.ECONNRESET;
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return WA.EDNS;
      if (code === 'ETIMEDOUT' || /handshake has timed out/.test(String(e && e.message)))
        return WA.ETIMEDOUT;
      if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return WA.ETOOBIG;
      if (typeof code === 'string' &&
          /CERT|SIGNATURE|^ERR_SSL_|^ERR_TLS_|HOSTNAME_MISMATCH|INVALID_CA/.test(code))
        return WA.ETLS;
      if (typeof code === 'string' && code.indexOf('WS_ERR_') === 0) return WA.EPROTO;
      if (e instanceof SyntaxError) return WA.EURL;
      return WA.ENET;
    },

    bindNode: function(rec, W, protocols, headers, timeoutMs, tls) {
      var opts = { perMessageDeflate: false, maxPayload: rec.maxMsg > 0 ? rec.maxMsg : 0,
                   followRedirects: false, headers: headers };
      for (var k in tls) opts[k] = tls[k]; // ws passes them to tls.connect
      if (timeoutMs > 0) opts.handshakeTimeout = Math.min(timeoutMs, 2147483647);
      var ws = new W(rec.url, protocols, opts);
      rec.ws = ws;
      ws.on('open', function() { WAWS.opened(rec, 0, 101); });
      ws.on('unexpected-response', function(req, res) {
        WAWS.opened(rec, WA.EHTTP, res.statusCode);
        res.resume();
        req.destroy();
      });
      ws.on('message', function(data, isBinary) {
        // data: one Buffer (binaryType 'nodebuffer'), the whole message.
        WAWS.message(rec, isBinary ? WAWS.KIND_BINARY : WAWS.KIND_TEXT, data);
      });
      ws.on('error', function(e) {
        var code = WAWS.nodeError(e);
        if (!rec.openDone) { WAWS.opened(rec, code, 0); return; }
        // ws has closed with the status its error names.
        var sent = e && e.code === 'WS_ERR_INVALID_UTF8' ? 1007 : 0;
        if (code === WA.ETOOBIG) {
          if (!rec.tooBig) WAWS.push(rec, { kind: WAWS.KIND_ERROR, code: code, sent: sent || 1009, data: null });
          rec.tooBig = true;
        } else if (code === WA.EPROTO) {
          WAWS.push(rec, { kind: WAWS.KIND_ERROR, code: code, sent: sent || 1002, data: null });
        }
      });
      ws.on('close', function(code, reason) {
        if (!rec.openDone) { WAWS.opened(rec, WA.ENET, 0); return; }
        WAWS.push(rec, { kind: WAWS.KIND_CLOSE, code: code || 1005,
                         data: reason && reason.length ? reason : '' });
      });
    },

    // ------------------------------------------------------ backpressure
    // Browsers have no event for bufferedAmount going down: poll it while
    // a send waits, every millisecond.
    stopDrainPoll: function(rec) {
      if (rec.drainTimer) { clearTimeout(rec.drainTimer); rec.drainTimer = null; }
    },
    drainPoll: function(rec) {
      rec.drainTimer = null;
      var left = [], now = rec.ws.bufferedAmount;
      rec.drains.forEach(function(d) {
        if (now <= d.low) WAWS.done(d.op, 0); else left.push(d);
      });
      rec.drains = left;
      if (left.length) rec.drainTimer = setTimeout(function() { WAWS.drainPoll(rec); }, 1);
    },
  },

  // id (> 0) or an error code. The outcome arrives through msgp (status @4,
  // the agreed subprotocol @8/@12) and wa__web_ws_done(op, code).
  wa__js_ws_open__deps: ['$WAWS'],
  wa__js_ws_open: function(op, msgp, urlp, protosp, hdrsp, timeoutMs, maxMsg, caFilep, insecure) {
    var url = UTF8ToString(urlp), u;
    try {
      u = new URL(url);
    } catch (e) {
      return WA.EURL;
    }
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return WA.ESCHEME;
    var list = function(pp) {
      var out = [];
      for (var i = 0; pp; i++) {
        var p = HEAPU32[(pp >> 2) + i];
        if (!p) break;
        out.push(UTF8ToString(p));
      }
      return out;
    };
    var protocols = list(protosp), lines = list(hdrsp), headers = {};
    for (var i = 0; i < lines.length; i++) {
      var c = lines[i].indexOf(':');
      headers[lines[i].slice(0, c).trim()] = lines[i].slice(c + 1).trim();
    }
    var impl = null, node = false;
    if (ENVIRONMENT_IS_NODE) {
      var n = WAWS.nodeImpl();
      if (n) { impl = n.ws; node = true; }
      else if (typeof WebSocket === 'function') impl = WebSocket;
      if (!impl) {
        if (!WAWS.warned) {
          WAWS.warned = true;
          err('wasyncio: WebSocket under Node needs the ws package (npm install ws@8 next to ' +
              'the program, or reinstall wasyncio, which ships it), or Node 22 / ' +
              'node --experimental-websocket');
        }
        return WA.ENOTSUP;
      }
    } else {
      if (typeof WebSocket !== 'function') return WA.ENOTSUP;
      impl = WebSocket;
    }
    // A page's WebSocket sends no headers of the program's own, and its TLS
    // is the browser's (its trust store, no exceptions).
    if (!node && (lines.length || caFilep || insecure)) return WA.ENOTSUP;
    var tls = {};
    if (node && insecure) tls.rejectUnauthorized = false;
    if (node && caFilep) {
      // ca_file replaces the default store, as natively (a PEM bundle).
      try { tls.ca = require('fs').readFileSync(UTF8ToString(caFilep)); }
      catch (e) { return e && e.code === 'ENOENT' ? WA.ENOENT : WA.EACCES; }
    }
    var id = WAWS.nextId++;
    var rec = { id: id, url: u.href, ws: null, node: node, queue: [], recvOp: op, recvMsg: msgp,
                drains: [], closeWaits: [], drainTimer: null, endCode: 0, endReason: '',
                queued: 0, paused: false, openDone: false, ended: false,
                timedOut: false, timer: null, tooBig: false, maxMsg: maxMsg, status: 0 };
    try {
      if (node) WAWS.bindNode(rec, impl, protocols, headers, timeoutMs, tls);
      else WAWS.bindBrowser(rec, impl, protocols);
    } catch (e) {
      // Bad subprotocol tokens, a blocked port, ws:// from an https page.
      if (e && e.name === 'SyntaxError') return WA.EINVAL;
      if (e && e.name === 'SecurityError') return WA.EACCES;
      return node ? WAWS.nodeError(e) : WA.ENET;
    }
    if (!node && timeoutMs > 0) {
      rec.timer = setTimeout(function() {
        rec.timer = null;
        rec.timedOut = true;
        try { rec.ws.close(); } catch (e) { /* closing */ }
        WAWS.opened(rec, WA.ETIMEDOUT, 0);
      }, Math.min(timeoutMs, 2147483647));
    }
    WAWS.map().set(id, rec);
    return id;
  },

  // Take the next entry: 1 written into msgp now, 0 waiting (op completes
  // later), or an error code.
  wa__js_ws_recv__deps: ['$WAWS'],
  wa__js_ws_recv: function(id, op, msgp) {
    var rec = WAWS.map().get(id);
    if (!rec) return WA.EINVAL;
    if (rec.queue.length) {
      var rc = WAWS.write(msgp, rec.queue[0]);
      if (rc) return rc;
      WAWS.taken(rec);
      return 1;
    }
    if (rec.ended) return WA.ECLOSED; // the close was taken already
    rec.recvOp = op;
    rec.recvMsg = msgp;
    return 0;
  },

  // C stopped waiting on op (cancel, deadline): drop it, keep the queue.
  wa__js_ws_forget__deps: ['$WAWS'],
  wa__js_ws_forget: function(id, op) {
    var rec = WAWS.map().get(id);
    if (!rec) return;
    if (rec.recvOp === op) rec.recvOp = 0;
    rec.drains = rec.drains.filter(function(d) { return d.op !== op; });
    rec.closeWaits = rec.closeWaits.filter(function(o) { return o !== op; });
    if (!rec.drains.length) WAWS.stopDrainPoll(rec);
  },

  // Send one whole message (kind 1 text, 2 binary) of len bytes at p.
  // Returns the bytes still buffered after it (>= 0), or an error code.
  wa__js_ws_send__deps: ['$WAWS'],
  wa__js_ws_send: function(id, kind, p, len) {
    var rec = WAWS.map().get(id);
    if (!rec || !rec.ws) return WA.EINVAL;
    if (rec.ended || rec.ws.readyState !== 1) return WA.ECLOSED;
    try {
      if (kind === 1 && !rec.node) {
        // A page sends text as a string (decoding copies it out of wasm memory).
        if (!WAWS.decoder) WAWS.decoder = new TextDecoder();
        rec.ws.send(WAWS.decoder.decode(HEAPU8.subarray(p, p + len)));
      } else {
        // A copy: the send may outlive this call's memory (Node's ws writes later).
        var bytes = HEAPU8.slice(p, p + len);
        if (rec.node) rec.ws.send(bytes, { binary: kind === 2 });
        else rec.ws.send(bytes);
      }
    } catch (e) {
      return WA.ECLOSED;
    }
    return rec.ws.bufferedAmount;
  },

  // Wait until at most low bytes are buffered (or the socket ended).
  // Returns 1 when that is so already, 0 waiting (op completes later).
  wa__js_ws_drain__deps: ['$WAWS'],
  wa__js_ws_drain: function(id, op, low) {
    var rec = WAWS.map().get(id);
    if (!rec || !rec.ws) return WA.EINVAL;
    if (rec.ended || rec.ws.bufferedAmount <= low) return 1;
    rec.drains.push({ op: op, low: low });
    if (!rec.drainTimer) rec.drainTimer = setTimeout(function() { WAWS.drainPoll(rec); }, 1);
    return 0;
  },

  // Wait for the end (the peer's close, or the connection lost): 1 when it
  // came already, 0 waiting. Then wa__js_ws_end tells which.
  wa__js_ws_wait_end__deps: ['$WAWS'],
  wa__js_ws_wait_end: function(id, op) {
    var rec = WAWS.map().get(id);
    if (!rec) return WA.EINVAL;
    if (rec.ended) return 1;
    rec.closeWaits.push(op);
    return 0;
  },

  // The end's close code (1006: lost) and reason, written as a close entry
  // into msgp; 0, or WA_ECLOSED while not ended.
  wa__js_ws_end__deps: ['$WAWS'],
  wa__js_ws_end: function(id, msgp) {
    var rec = WAWS.map().get(id);
    if (!rec || !rec.ended) return WA.ECLOSED;
    return WAWS.write(msgp, { kind: WAWS.KIND_CLOSE, code: rec.endCode, data: rec.endReason });
  },

  wa__js_ws_buffered__deps: ['$WAWS'],
  wa__js_ws_buffered: function(id) {
    var rec = WAWS.map().get(id);
    return rec && rec.ws ? rec.ws.bufferedAmount : 0;
  },

  // Start the closing handshake. Codes a page may not send (all but 1000
  // and 3000-4999) go out as 1000 with the same reason; 0 sends no code.
  wa__js_ws_close__deps: ['$WAWS'],
  wa__js_ws_close: function(id, code, reasonp, reasonLen) {
    var rec = WAWS.map().get(id);
    if (!rec || !rec.ws) return WA.EINVAL;
    if (rec.ended) return 1; // the peer closed first
    var reason = reasonLen ? UTF8ToString(reasonp, reasonLen) : '';
    try {
      if (code === 0) rec.ws.close();
      else if (rec.node || code === 1000 || (code >= 3000 && code <= 4999)) rec.ws.close(code, reason);
      else rec.ws.close(1000, reason);
    } catch (e) {
      return WA.EINVAL;
    }
    return 0;
  },

  // Send a ping (Node's ws only: a page's WebSocket cannot).
  wa__js_ws_ping__deps: ['$WAWS'],
  wa__js_ws_ping: function(id, p, len) {
    var rec = WAWS.map().get(id);
    if (!rec || !rec.ws) return WA.EINVAL;
    if (!rec.node) return WA.ENOTSUP;
    if (rec.ended || rec.ws.readyState !== 1) return WA.ECLOSED;
    try { rec.ws.ping(HEAPU8.slice(p, p + len)); } catch (e) { return WA.ECLOSED; }
    return 0;
  },

  // Forget the socket: an open one is dropped at once (Node: terminate,
  // a page: close, the browser finishes the handshake on its own).
  wa__js_ws_free__deps: ['$WAWS'],
  wa__js_ws_free: function(id) {
    var rec = WAWS.map().get(id);
    if (!rec) return;
    WAWS.map().delete(id);
    if (rec.timer) clearTimeout(rec.timer);
    WAWS.stopDrainPoll(rec);
    rec.recvOp = 0;
    rec.drains = [];
    rec.closeWaits = [];
    rec.ended = rec.openDone = true;
    var ws = rec.ws;
    if (!ws) return;
    try {
      if (rec.node) { ws.removeAllListeners(); ws.on('error', function() {}); ws.terminate(); }
      else {
        ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
        if (ws.readyState < 2) ws.close();
      }
    } catch (e) { /* gone already */ }
  },
};

autoAddDeps(WasyncioWs, '$WAWS');
mergeInto(LibraryManager.library, WasyncioWs);
