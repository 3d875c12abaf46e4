// jsc-preview1.js: a WASI preview1 host for JavaScriptCore's `jsc` shell, which
// has WebAssembly but no WASI. It implements the calls wasyncio programs make
// (args, environ, clocks, poll_oneoff, stdio, read-only preopened files);
// anything else answers ENOSYS. Started by tests/wasi/run-jsc.sh, which owns the
// argument order, the pipes and the exit status (jsc's quit() has none).
//
//   jsc jsc-preview1.js -- STATUS_FILE [--dir H[::G]]... [--env K=V]... module.wasm [args]

const E = { SUCCESS: 0, BADF: 8, INVAL: 28, IO: 29, NOENT: 44, NOSYS: 52, NOTCAPABLE: 76,
            ROFS: 69, SPIPE: 70 };
const FILETYPE = { CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4 };
const EVENT = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 };
const RIGHTS_ALL = 0x1fffffffn;
// Rights a character device has: everything but fd_seek (1<<2) and fd_tell
// (1<<5), which is how wasi-libc's isatty() recognises a terminal-like stream.
const RIGHTS_STREAM = RIGHTS_ALL & ~((1n << 2n) | (1n << 5n));
const RIGHT_FD_WRITE = 1n << 6n;
const OFLAGS_CREAT_TRUNC = 1 | 8;

// --------------------------------------------------------------- arguments
const cli = arguments.slice();
const statusFile = cli.shift();
const preopens = [];               // {host, guest}
const env = [];
while (cli.length && cli[0].startsWith('--')) {
  const flag = cli.shift();
  const value = cli.shift();
  if (flag === '--dir') {
    const [host, guest] = value.split('::');
    preopens.push({ host, guest: guest === undefined ? host : guest });
  } else if (flag === '--env') {
    env.push(value);
  } else {
    throw new Error(`jsc-preview1: unknown option ${flag}`);
  }
}
const argv = cli;                  // argv[0] is the module, as under node:wasi

// ------------------------------------------------------------ byte helpers
const utf8 = (s) => { const b = unescape(encodeURIComponent(s)); const u = new Uint8Array(b.length);
                      for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return u; };
const fromUtf8 = (u) => { let s = ''; for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);
                          return decodeURIComponent(escape(s)); };

let memory = null;
const view = () => new DataView(memory.buffer);
const bytes = (ptr, len) => new Uint8Array(memory.buffer, ptr, len);
const readString = (ptr, len) => fromUtf8(bytes(ptr, len).slice());

// ------------------------------------------------------------------ clocks
// preciseTime() is wall-clock seconds with microsecond resolution; the
// monotonic clock is it, never allowed to step back.
let lastMonotonic = 0n;
function nowNs(clockId) {
  const t = BigInt(Math.round(preciseTime() * 1e6)) * 1000n;
  if (clockId === 0) return t;     // realtime
  if (t > lastMonotonic) lastMonotonic = t;
  return lastMonotonic;            // monotonic, process and thread CPU time
}

// -------------------------------------------------------------- fd table
// 0-2 stdio; preopened directories next; opened files after. Files are read
// whole when opened: the preopens are read-only.
const fds = new Map();
fds.set(0, { kind: 'stdin', pending: null });
fds.set(1, { kind: 'out', path: '/dev/stdout' });
fds.set(2, { kind: 'out', path: '/dev/stderr' });
for (const p of preopens) fds.set(fds.size, { kind: 'dir', host: p.host, guest: p.guest });
let nextFd = fds.size;

// jsc's readFile() is the only way to reach a file, and it says "Could not
// open file" on stderr when it fails; run-jsc.sh drops that line.
function loadHostFile(hostPath) {
  try { return readFile(hostPath, 'binary'); } catch (e) { return null; }
}

// A path inside a preopen, or null when it would leave it.
function resolve(dir, path) {
  if (path.startsWith('/')) return null;
  const parts = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') { if (!parts.length) return null; parts.pop(); continue; }
    parts.push(part);
  }
  return parts.length ? dir.host.replace(/\/$/, '') + '/' + parts.join('/') : dir.host;
}

function writeOut(fd, data) {
  writeFile(fd.path, data);        // run-jsc.sh makes stdout and stderr pipes
  return data.length;
}

// stdin: the shell reads it a line at a time, blocking (as a regular file).
function readStdin(fd, want) {
  if (fd.pending === null || fd.pending.length === 0) {
    const line = readline();
    fd.pending = line === null || line === undefined ? new Uint8Array(0) : utf8(line + '\n');
    if (fd.pending.length === 0) return fd.pending;   // end of input
  }
  const out = fd.pending.subarray(0, want);
  fd.pending = fd.pending.subarray(out.length);
  return out;
}

// ------------------------------------------------------------- poll_oneoff
const SUB_SIZE = 48, EVENT_SIZE = 32;

function fdReady(fdNum) {
  const fd = fds.get(fdNum);
  if (!fd || fd.kind === 'dir') return { error: E.BADF, nbytes: 0n };
  if (fd.kind === 'file') return { error: 0, nbytes: BigInt(fd.data.length - fd.pos) };
  return { error: 0, nbytes: 0n }; // stdio: writes complete at once, reads block
}

function pollOneoff(inPtr, outPtr, n, countPtr) {
  if (n === 0) return E.INVAL;
  const v = view();
  const subs = [];
  for (let i = 0; i < n; i++) {
    const at = inPtr + i * SUB_SIZE;
    const sub = { userdata: v.getBigUint64(at, true), tag: v.getUint8(at + 8) };
    if (sub.tag === EVENT.CLOCK) {
      const id = v.getUint32(at + 16, true);
      const timeout = v.getBigUint64(at + 24, true);
      const absolute = (v.getUint16(at + 40, true) & 1) !== 0;
      sub.deadline = absolute ? timeout : nowNs(id) + timeout;
      sub.clockId = id;
    } else {
      sub.fd = v.getUint32(at + 16, true);
    }
    subs.push(sub);
  }
  const events = [];
  for (const s of subs) if (s.tag !== EVENT.CLOCK) events.push({ s, ...fdReady(s.fd) });
  if (!events.length) {
    // Only clocks: sleep until the earliest, then report every expired one.
    const clocks = subs.filter((s) => s.tag === EVENT.CLOCK);
    let first = clocks[0];
    for (const c of clocks) if (c.deadline - nowNs(c.clockId) < first.deadline - nowNs(first.clockId)) first = c;
    const waitNs = first.deadline - nowNs(first.clockId);
    if (waitNs > 0n) sleepSeconds(Number(waitNs) / 1e9);
  }
  for (const s of subs) if (s.tag === EVENT.CLOCK && nowNs(s.clockId) >= s.deadline) events.push({ s, error: 0, nbytes: 0n });
  const w = view();
  events.forEach((e, i) => {
    const at = outPtr + i * EVENT_SIZE;
    for (let k = 0; k < EVENT_SIZE; k++) w.setUint8(at + k, 0);
    w.setBigUint64(at, e.s.userdata, true);
    w.setUint16(at + 8, e.error, true);
    w.setUint8(at + 10, e.s.tag);
    if (e.s.tag !== EVENT.CLOCK) w.setBigUint64(at + 16, e.nbytes, true);
  });
  w.setUint32(countPtr, events.length, true);
  return E.SUCCESS;
}

// ------------------------------------------------------------ the imports
class Exit { constructor(code) { this.code = code; } }

function putStrings(list, ptrsPtr, bufPtr) {
  const v = view();
  let at = bufPtr;
  list.forEach((s, i) => {
    const u = utf8(s);
    v.setUint32(ptrsPtr + 4 * i, at, true);
    bytes(at, u.length).set(u);
    v.setUint8(at + u.length, 0);
    at += u.length + 1;
  });
  return E.SUCCESS;
}
function putSizes(list, countPtr, sizePtr) {
  const v = view();
  v.setUint32(countPtr, list.length, true);
  v.setUint32(sizePtr, list.reduce((n, s) => n + utf8(s).length + 1, 0), true);
  return E.SUCCESS;
}

const wasi = {
  args_sizes_get: (c, s) => putSizes(argv, c, s),
  args_get: (p, b) => putStrings(argv, p, b),
  environ_sizes_get: (c, s) => putSizes(env, c, s),
  environ_get: (p, b) => putStrings(env, p, b),
  clock_res_get: (id, out) => { view().setBigUint64(out, 1000n, true); return E.SUCCESS; },
  clock_time_get: (id, precision, out) => {
    if (id > 3) return E.INVAL;
    view().setBigUint64(out, nowNs(id), true);
    return E.SUCCESS;
  },
  poll_oneoff: pollOneoff,
  proc_exit: (code) => { throw new Exit(code); },

  fd_write: (fdNum, iovs, n, outPtr) => {
    const fd = fds.get(fdNum);
    if (!fd) return E.BADF;
    if (fd.kind !== 'out') return E.BADF;   // the preopens are read-only
    const v = view();
    const parts = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const len = v.getUint32(iovs + 8 * i + 4, true);
      parts.push(bytes(v.getUint32(iovs + 8 * i, true), len).slice());
      total += len;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    if (total) writeOut(fd, all);
    view().setUint32(outPtr, total, true);
    return E.SUCCESS;
  },
  fd_read: (fdNum, iovs, n, outPtr) => {
    const fd = fds.get(fdNum);
    if (!fd || fd.kind === 'dir' || fd.kind === 'out') return E.BADF;
    const v = view();
    let got = 0;
    for (let i = 0; i < n; i++) {
      const ptr = v.getUint32(iovs + 8 * i, true), len = v.getUint32(iovs + 8 * i + 4, true);
      let chunk;
      if (fd.kind === 'stdin') chunk = readStdin(fd, len);
      else { chunk = fd.data.subarray(fd.pos, fd.pos + len); fd.pos += chunk.length; }
      bytes(ptr, chunk.length).set(chunk);
      got += chunk.length;
      if (chunk.length < len) break;
    }
    view().setUint32(outPtr, got, true);
    return E.SUCCESS;
  },
  fd_seek: (fdNum, offset, whence, outPtr) => {
    const fd = fds.get(fdNum);
    if (!fd) return E.BADF;
    if (fd.kind !== 'file') return E.SPIPE;
    const base = whence === 0 ? 0n : whence === 1 ? BigInt(fd.pos) : whence === 2 ? BigInt(fd.data.length) : -1n;
    if (base < 0n || base + offset < 0n) return E.INVAL;
    fd.pos = Number(base + offset);
    view().setBigUint64(outPtr, BigInt(fd.pos), true);
    return E.SUCCESS;
  },
  fd_close: (fdNum) => {
    const fd = fds.get(fdNum);
    if (!fd) return E.BADF;
    fds.delete(fdNum);
    return E.SUCCESS;
  },
  fd_fdstat_get: (fdNum, out) => {
    const fd = fds.get(fdNum);
    if (!fd) return E.BADF;
    const v = view();
    for (let k = 0; k < 24; k++) v.setUint8(out + k, 0);
    const type = fd.kind === 'dir' ? FILETYPE.DIRECTORY : fd.kind === 'file' ? FILETYPE.REGULAR_FILE
                                   : FILETYPE.CHARACTER_DEVICE;
    v.setUint8(out, type);
    v.setBigUint64(out + 8, type === FILETYPE.CHARACTER_DEVICE ? RIGHTS_STREAM : RIGHTS_ALL, true);
    v.setBigUint64(out + 16, RIGHTS_ALL, true);
    return E.SUCCESS;
  },
  // Writes here always complete at once, so non-blocking mode (the only
  // flag wasyncio sets) already holds; other flags are not offered.
  fd_fdstat_set_flags: (fdNum, flags) => {
    if (!fds.has(fdNum)) return E.BADF;
    return (flags & ~4) === 0 ? E.SUCCESS : E.NOSYS;
  },
  fd_prestat_get: (fdNum, out) => {
    const fd = fds.get(fdNum);
    if (!fd || fd.kind !== 'dir') return E.BADF;
    const v = view();
    v.setUint8(out, 0);
    v.setUint32(out + 4, utf8(fd.guest).length, true);
    return E.SUCCESS;
  },
  fd_prestat_dir_name: (fdNum, ptr, len) => {
    const fd = fds.get(fdNum);
    if (!fd || fd.kind !== 'dir') return E.BADF;
    const u = utf8(fd.guest);
    if (len < u.length) return E.INVAL;
    bytes(ptr, u.length).set(u);
    return E.SUCCESS;
  },
  path_open: (dirFd, dirflags, pathPtr, pathLen, oflags, rightsBase, rightsInh, fdflags, outPtr) => {
    const dir = fds.get(dirFd);
    if (!dir || dir.kind !== 'dir') return E.BADF;
    const host = resolve(dir, readString(pathPtr, pathLen));
    if (host === null) return E.NOTCAPABLE;
    if ((oflags & OFLAGS_CREAT_TRUNC) || (rightsBase & RIGHT_FD_WRITE)) return E.ROFS;
    const data = loadHostFile(host);
    if (data === null) return E.NOENT;
    const fd = nextFd++;
    fds.set(fd, { kind: 'file', data, pos: 0 });
    view().setUint32(outPtr, fd, true);
    return E.SUCCESS;
  },
  path_filestat_get: (dirFd, flags, pathPtr, pathLen, out) => {
    const dir = fds.get(dirFd);
    if (!dir || dir.kind !== 'dir') return E.BADF;
    const host = resolve(dir, readString(pathPtr, pathLen));
    if (host === null) return E.NOTCAPABLE;
    const data = loadHostFile(host);
    if (data === null) return E.NOENT;   // a directory reads as absent too
    const v = view();
    for (let k = 0; k < 64; k++) v.setUint8(out + k, 0);
    v.setUint8(out + 16, FILETYPE.REGULAR_FILE);
    v.setBigUint64(out + 24, 1n, true);
    v.setBigUint64(out + 32, BigInt(data.length), true);
    return E.SUCCESS;
  },
};

// ------------------------------------------------------------------- run
function run() {
  const module = new WebAssembly.Module(readFile(argv[0], 'binary'));
  const imports = { wasi_snapshot_preview1: {} };
  // A module that skipped the Asyncify step still imports asyncify.*: name
  // the step rather than fail on the import (as wasi/asyncify-check.mjs does
  // for the Node runners).
  const left = WebAssembly.Module.imports(module).find((i) => i.module === 'asyncify');
  if (left) {
    writeFile('/dev/stderr', utf8(`wasyncio: ${argv[0]} imports asyncify.${left.name}: the Asyncify ` +
      'step was skipped. Run wasyncio-wasm-opt.sh on the linked module (or build with ' +
      'wasyncio-wasi-cc / wasyncio-wasip2-cc, which do it).\n'));
    return 1;
  }
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module !== 'wasi_snapshot_preview1') continue;   // instantiation will name it
    imports.wasi_snapshot_preview1[imp.name] = wasi[imp.name] || (() => E.NOSYS);
  }
  const instance = new WebAssembly.Instance(module, imports);
  memory = instance.exports.memory;
  try {
    instance.exports._start();
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    writeFile('/dev/stderr', utf8(`run-jsc: ${argv[0]} trapped: ${e && e.message}\n`));
    return 134;
  }
}

writeFile(statusFile, String(run()));
