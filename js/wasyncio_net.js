/* wasyncio_net.js: the JavaScript half of the Emscripten stream backend
 * (src/host/web/stream.c; pass with --js-library with wasyncio_loop.js).
 * Under Node each connection is a node:net Socket and each listener one
 * node:net Server per address; their events come back to C as calls of the
 * wa__web_net_* functions, each followed by a loop slice. In a page
 * wa__js_net_available() is 0 and C refuses before calling anything else.
 *
 * Sockets are made with allowHalfOpen (write_eof ends our side only, as
 * asyncio's does) and start paused: bytes flow only while C reads
 * (wa__js_net_reading), so Node's own buffer stays bounded for a slow
 * reader. What arrives past a pause is kept here and handed over when
 * reading resumes, never inside the C call that resumed it.
 *
 * Ids: JS numbers its sockets and servers; C's record is an address JS
 * stores at bind. After C closes a connection, JS reports exactly one
 * event more for it (closed) and forgets it.
 */
var WasyncioNetLib = {
  $WANET__deps: ['$WA', '$callUserCallback', 'malloc', 'free'],
  $WANET__postset: 'WANET.init();',
  $WANET: {
    net: null, dns: null, fs: null,
    socks: null, servers: null, nextId: 1,

    init: function() {
      WANET.socks = new Map();
      WANET.servers = new Map();
      if (ENVIRONMENT_IS_NODE && typeof require === 'function') {
        try {
          WANET.net = require('net');
          WANET.dns = require('dns');
          WANET.fs = require('fs');
        } catch (e) {
          WANET.net = null;
        }
      }
    },

    call: function(name, args) {
      var r;
      callUserCallback(function() { r = WA.C(name).apply(null, args); });
      return r;
    },

    // A Node error as a wasyncio code.
    code: function(e) {
      var c = e && e.code;
      switch (c) {
        case 'ECONNREFUSED': return WA.ECONNREFUSED;
        case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_FAIL': case 'EAI_NONAME':
        case 'EAI_NODATA': case 'ESERVFAIL': case 'ENODATA': return WA.EDNS;
        case 'ECONNRESET': case 'ECONNABORTED': return WA.ECONNRESET;
        case 'EPIPE': case 'ERR_STREAM_WRITE_AFTER_END': case 'ERR_STREAM_DESTROYED': return WA.EPIPE;
        case 'ETIMEDOUT': return WA.ETIMEDOUT;
        case 'EMFILE': case 'ENFILE': return WA.EMFILE;
        case 'EACCES': case 'EPERM': return WA.EACCES;
        case 'EADDRINUSE': return WA.EADDRINUSE;
        case 'EADDRNOTAVAIL': return WA.EADDRNOTAVAIL;
        case 'ENOENT': return WA.ENOENT;
        case 'ERR_INVALID_ARG_VALUE': case 'ERR_SOCKET_BAD_PORT': case 'ERR_INVALID_IP_ADDRESS':
          return WA.EINVAL;
        default: return WA.ENET; // unreachable, network down, ...
      }
    },

    // -------------------------------------------------------- connections
    // rec: {sock (null between connect attempts), x (C's record, 0 before
    // bind), connecting, reading, queue (Buffers that came past a pause),
    // eof (the peer ended; told C once the queue is empty), err (an error
    // before bind), lost (told C), closing (C closed it), done (closed
    // told), path (Unix sockets), accepted}
    add: function(sock, path) {
      var rec = WANET.record(path);
      WANET.attach(rec, sock);
      return rec;
    },

    record: function(path) {
      var id = WANET.nextId++;
      var rec = { id: id, sock: null, x: 0, reading: false, queue: [], eof: false,
                  eofTold: false, err: 0, closing: false, done: false, path: path || null,
                  closed: false, flushPosted: false, connecting: false };
      WANET.socks.set(id, rec);
      return rec;
    },

    // Make sock rec's socket (paused); events of a socket rec has since
    // dropped (a failed connect attempt) are ignored.
    attach: function(rec, sock) {
      rec.sock = sock;
      sock.pause();
      var mine = function() { return rec.sock === sock; };
      sock.on('data', function(chunk) { if (mine()) WANET.onData(rec, chunk); });
      sock.on('end', function() { if (mine()) { rec.eof = true; WANET.flush(rec); } });
      sock.on('error', function(e) { if (mine() && !rec.connecting) WANET.onError(rec, WANET.code(e)); });
      sock.on('close', function() { if (mine()) { rec.closed = true; WANET.onClose(rec); } });
    },

    onData: function(rec, chunk) {
      if (!rec.x || rec.closing) return;
      rec.queue.push(chunk);
      WANET.flush(rec);
    },

    // Hand queued bytes (and then the EOF) to C while it reads.
    flush: function(rec) {
      if (!rec.x || rec.closing || rec.eofTold) return;
      var any = false;
      while (rec.reading && rec.queue.length) {
        var chunk = rec.queue[0];
        var p = WANET.call('wa__web_net_rbuf', [rec.x, 0]); // 0: the layer picks
        if (!p) {
          WANET.lose(rec, WA.ENOMEM);
          return;
        }
        var cap = WA.C('wa__web_net_rbuf_cap')();
        var n = Math.min(cap, chunk.length);
        HEAPU8.set(n === chunk.length ? chunk : chunk.subarray(0, n), p);
        if (n === chunk.length) rec.queue.shift();
        else rec.queue[0] = chunk.subarray(n);
        any = true;
        WANET.call('wa__web_net_read', [rec.x, n]); // may pause reading or close
        if (rec.closing) return;
      }
      if (rec.eof && rec.queue.length === 0 && rec.reading) {
        rec.eofTold = true;
        rec.reading = false;
        WANET.call('wa__web_net_eof', [rec.x]);
        return;
      }
      if (any) WANET.call('wa__web_net_run', []);
    },

    lose: function(rec, code) {
      if (rec.closing || rec.lost) return;
      rec.lost = true;
      rec.reading = false;
      WANET.call('wa__web_net_lost', [rec.x, code]);
    },

    onError: function(rec, code) {
      if (!rec.x) { rec.err = rec.err || code; return; }
      WANET.lose(rec, code);
    },

    onClose: function(rec) {
      if (rec.closing) {
        WANET.done(rec);
        return;
      }
      // Closed under us without an error event and without the peer's EOF.
      if (rec.x && !rec.lost && !rec.eof) WANET.lose(rec, WA.ECONNRESET);
    },

    // C closed rec and its socket is gone: the last event for it.
    done: function(rec) {
      if (rec.done) return;
      rec.done = true;
      WANET.socks.delete(rec.id);
      var x = rec.x;
      if (x) WANET.call('wa__web_net_closed', [x]);
    },
  },

  wa__js_net_available__deps: ['$WANET'],
  wa__js_net_available: function() { return WANET.net ? 1 : 0; },

  // Connect to host:port (or a Unix socket at path); reports to op through
  // wa__web_net_opened. Returns the id, or an error code at once.
  wa__js_net_connect__deps: ['$WANET'],
  wa__js_net_connect: function(op, hostp, port, pathp) {
    var path = pathp ? UTF8ToString(pathp) : null;
    var host = path ? null : UTF8ToString(hostp).replace(/^\[(.*)\]$/, '$1');
    var rec = WANET.record(path);
    rec.connecting = true;
    var last = WA.ECONNREFUSED;
    var finish = function(code) {
      if (!rec.connecting) return;
      rec.connecting = false;
      if (code) {
        WANET.socks.delete(rec.id);
        if (rec.sock) rec.sock.destroy();
      }
      WANET.call('wa__web_net_opened', [op, code]);
    };
    // Each address in turn until one accepts (asyncio's order, no happy
    // eyeballs); the last one's error if none does.
    var attempt = function(list, i) {
      if (!rec.connecting) return;
      if (i === list.length) { finish(last); return; }
      var sock;
      try {
        sock = WANET.net.connect(list[i]);
      } catch (e) {
        last = WANET.code(e);
        attempt(list, i + 1);
        return;
      }
      WANET.attach(rec, sock);
      sock.once('connect', function() { if (rec.sock === sock) finish(0); });
      sock.once('error', function(e) {
        if (rec.sock !== sock || !rec.connecting) return;
        last = WANET.code(e);
        rec.sock = null;
        sock.destroy();
        attempt(list, i + 1);
      });
    };
    if (path) {
      attempt([{ path: path, allowHalfOpen: true }], 0);
    } else if (WANET.net.isIP(host)) {
      attempt([{ host: host, port: port, allowHalfOpen: true }], 0);
    } else {
      // node:dns's lookup runs getaddrinfo on libuv's thread pool: the
      // loop never blocks on it.
      WANET.dns.lookup(host, { all: true }, function(e, addrs) {
        if (!rec.connecting) return;
        if (e || !addrs.length) { finish(WA.EDNS); return; }
        attempt(addrs.map(function(a) {
          return { host: a.address, port: port, family: a.family, allowHalfOpen: true };
        }), 0);
      });
    }
    return rec.id;
  },

  // Forget a socket or server C no longer wants (an interrupted connect or
  // listen, or a connection refused at bind): close it, report nothing.
  wa__js_net_forget__deps: ['$WANET'],
  wa__js_net_forget: function(id) {
    var rec = WANET.socks.get(id);
    if (rec) {
      rec.connecting = false;
      rec.closing = true;
      rec.x = 0;
      WANET.socks.delete(id);
      if (rec.sock) rec.sock.destroy();
      return;
    }
    var srv = WANET.servers.get(id);
    if (srv) {
      srv.opening = false;
      WANET.servers.delete(id);
      srv.list.forEach(function(s) { s.close(); });
    }
  },

  // C's record for connection id: 0, or the error it failed with before.
  wa__js_net_bind__deps: ['$WANET'],
  wa__js_net_bind: function(id, x) {
    var rec = WANET.socks.get(id);
    if (!rec) return WA.ECLOSED;
    if (rec.err) return rec.err;
    rec.x = x;
    return 0;
  },

  wa__js_net_reading__deps: ['$WANET'],
  wa__js_net_reading: function(id, on) {
    var rec = WANET.socks.get(id);
    if (!rec || rec.closing) return;
    rec.reading = !!on;
    if (!on) {
      rec.sock.pause();
      return;
    }
    rec.sock.resume();
    // Bytes (or the EOF) that came during the pause: from the event loop,
    // not inside this call.
    if ((rec.queue.length || rec.eof) && !rec.flushPosted) {
      rec.flushPosted = true;
      setImmediate(function() { rec.flushPosted = false; WANET.flush(rec); });
    }
  },

  // Take n bytes if Node's buffer is under its high-water mark: n, or 0.
  wa__js_net_try_write__deps: ['$WANET'],
  wa__js_net_try_write: function(id, p, n) {
    var rec = WANET.socks.get(id);
    if (!rec || rec.closing) return WA.ECLOSED;
    if (rec.lost || rec.sock.destroyed) return WA.EPIPE;
    var s = rec.sock;
    if (s.writableNeedDrain || s.writableLength + n > s.writableHighWaterMark) return 0;
    s.write(HEAPU8.slice(p, p + n));
    return n;
  },

  // Send n bytes; wa__web_net_written reports when Node handed them to the OS.
  wa__js_net_write__deps: ['$WANET'],
  wa__js_net_write: function(id, p, n) {
    var rec = WANET.socks.get(id);
    if (!rec || rec.closing) return WA.ECLOSED;
    if (rec.lost || rec.sock.destroyed) return WA.EPIPE;
    rec.sock.write(HEAPU8.slice(p, p + n), function(e) {
      if (rec.closing || !rec.x) return;
      WANET.call('wa__web_net_written', [rec.x, e ? WANET.code(e) : 0]);
    });
    return 0;
  },

  wa__js_net_end__deps: ['$WANET'],
  wa__js_net_end: function(id) {
    var rec = WANET.socks.get(id);
    if (!rec || rec.closing) return WA.ECLOSED;
    rec.sock.end();
    return 0;
  },

  // Close: send what Node still holds, then close the descriptor (end, then
  // destroy on 'finish'); reset: RST at once. wa__web_net_closed follows.
  wa__js_net_close__deps: ['$WANET'],
  wa__js_net_close: function(id, reset) {
    var rec = WANET.socks.get(id);
    if (!rec || rec.closing) return;
    rec.closing = true;
    rec.reading = false;
    rec.queue = [];
    var s = rec.sock;
    if (rec.closed || s.destroyed) {
      setImmediate(function() { WANET.done(rec); });
      return;
    }
    if (reset && typeof s.resetAndDestroy === 'function' && !rec.path) {
      s.resetAndDestroy();
      return;
    }
    if (reset) { s.destroy(); return; }
    s.end(function() { s.destroy(); });
    s.once('error', function() { s.destroy(); });
  },

  // The peer's or our own address into host[cap]; returns the port (0 for
  // Unix sockets, whose path goes in host), or an error.
  wa__js_net_name__deps: ['$WANET'],
  wa__js_net_name: function(id, peer, hostp, cap) {
    var rec = WANET.socks.get(id);
    if (!rec) return WA.ECLOSED;
    var s = rec.sock, addr, port;
    if (rec.path !== null) {
      // a client's peer and an accepted connection's own end are the path
      addr = !!peer !== !!rec.accepted ? rec.path : '';
      port = 0;
    } else {
      addr = peer ? s.remoteAddress : s.localAddress;
      port = peer ? s.remotePort : s.localPort;
      if (addr === undefined) return WA.ENOTSUP;
    }
    stringToUTF8(addr, hostp, cap);
    return port | 0;
  },

  // ------------------------------------------------------------ servers
  // Listen on every address host names (all interfaces for NULL; one
  // Unix socket for path), the same port on each; reports to op through
  // wa__web_net_opened, then each connection through wa__web_net_accepted.
  wa__js_net_listen__deps: ['$WANET'],
  wa__js_net_listen: function(op, l, hostp, port, pathp, backlog) {
    var host = hostp ? UTF8ToString(hostp) : null;
    var path = pathp ? UTF8ToString(pathp) : null;
    var bl = backlog > 0 ? backlog : 100;
    if (path) {
      // a stale socket file is replaced; any other file is in the way
      try {
        var st = WANET.fs.lstatSync(path);
        if (!st.isSocket()) return WA.EADDRINUSE;
        WANET.fs.unlinkSync(path);
      } catch (e) {
        if (e.code !== 'ENOENT') return WANET.code(e);
      }
    }
    var id = WANET.nextId++;
    var srv = { id: id, l: l, list: [], port: 0, opening: true };
    WANET.servers.set(id, srv);
    var fail = function(code) {
      if (!srv.opening) return;
      srv.opening = false;
      WANET.servers.delete(id);
      srv.list.forEach(function(s) { try { s.close(); } catch (e) {} });
      WANET.call('wa__web_net_opened', [op, code]);
    };
    var onConnection = function(sock) {
      if (!WANET.servers.has(id) || srv.opening) { sock.destroy(); return; }
      var rec = WANET.add(sock, path);
      rec.accepted = 1;
      rec.server = srv;
      if (!WANET.call('wa__web_net_accepted', [srv.l, rec.id])) {
        WANET.socks.delete(rec.id);
        sock.destroy();
      }
    };
    var listenOne = function(opts, next) {
      var s = WANET.net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, onConnection);
      srv.list.push(s);
      s.once('error', function(e) { fail(WANET.code(e)); });
      s.listen(opts, function() {
        // Errors after listening (EMFILE while accepting) refuse that one
        // client; the server goes on.
        s.removeAllListeners('error');
        s.on('error', function() {});
        if (!srv.port && !path) srv.port = s.address().port;
        next();
      });
    };
    var done = function() {
      if (!srv.opening) return;
      srv.opening = false;
      WANET.call('wa__web_net_opened', [op, 0]);
    };
    if (path) {
      listenOne({ path: path, backlog: bl }, done);
      return id;
    }
    var addrs;
    var each = function(i) {
      if (!srv.opening) return;
      if (i === addrs.length) { done(); return; }
      listenOne({ host: addrs[i], port: srv.port || port, backlog: bl,
                  ipv6Only: addrs[i].indexOf(':') >= 0 && addrs.length > 1 },
                function() { each(i + 1); });
    };
    if (!host) {
      // every interface: Node's "::" takes IPv4 too (or 0.0.0.0 without IPv6)
      listenOne({ port: port, backlog: bl }, done);
      return id;
    }
    WANET.dns.lookup(host, { all: true }, function(e, list) {
      if (!srv.opening) return;
      if (e) { fail(WA.EDNS); return; }
      addrs = list.map(function(a) { return a.address; });
      each(0);
    });
    return id;
  },

  wa__js_net_port__deps: ['$WANET'],
  wa__js_net_port: function(id) {
    var srv = WANET.servers.get(id);
    return srv ? srv.port : 0;
  },

  // Stop accepting: close the listening sockets (the connections go on);
  // wa__web_net_unlistened follows from the event loop.
  wa__js_net_unlisten__deps: ['$WANET'],
  wa__js_net_unlisten: function(id) {
    var srv = WANET.servers.get(id);
    if (!srv) return;
    WANET.servers.delete(id);
    srv.list.forEach(function(s) { try { s.close(); } catch (e) {} });
    setImmediate(function() { WANET.call('wa__web_net_unlistened', [srv.l]); });
  },
};

autoAddDeps(WasyncioNetLib, '$WANET');
mergeInto(LibraryManager.library, WasyncioNetLib);
