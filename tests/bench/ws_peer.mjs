// ws_peer.mjs: Node's `ws` package (js/node_modules) as a peer of the
// WebSocket rows of `make bench`:
//   node ws_peer.mjs server PORT                    an echo server
//   node ws_peer.mjs client URL CONNS MESSAGES SIZE [binary]
//                                                   the load of ws_client.c
import { createRequire } from "node:module";
const require = createRequire(new URL("../../js/node_modules/", import.meta.url));
const { WebSocket, WebSocketServer } = require("ws");

const [mode, ...args] = process.argv.slice(2);
if (mode === "server") {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(args[0]), maxPayload: 2 << 20 });
    wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
} else {
    const [url, conns, messages, size, binary] = [args[0], ...args.slice(1, 4).map(Number), args[4]];
    const payload = binary ? Buffer.alloc(size, 120) : "x".repeat(size);
    const one = () => new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { maxPayload: 2 << 20 });
        let left = messages;
        ws.on("open", () => ws.send(payload));
        ws.on("message", () => (--left > 0 ? ws.send(payload) : ws.close()));
        ws.on("close", resolve);
        ws.on("error", reject);
    });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: conns }, one));
    const secs = (performance.now() - t0) / 1000;
    const total = conns * messages;
    console.log(size >= 65536 ? Math.round((total * size) / secs / 1e6) : Math.round(total / secs));
}
