// http_client_peer.mjs: Node's built-in fetch as the client benchmark's
// peer: N GETs of URL with CONC requests in flight (workers in a loop).
// Prints requests per second. Usage: node http_client_peer.mjs URL N CONC
const [url, n, conc] = [process.argv[2], +process.argv[3], +process.argv[4]];
let next = 0;
async function worker() {
  while (next < n) {
    next++;
    const r = await fetch(url);
    await r.text();
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: conc }, worker));
console.log((n / ((performance.now() - t0) / 1000)).toFixed(0));
