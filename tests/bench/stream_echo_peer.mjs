// stream_echo_peer.mjs rt|bulk N SECS: the Node `net` peer of stream_echo.c
// (same server, clients and output), for `make bench`. Lines are split on
// "\n" by hand, as a readline over a socket would.
import net from "node:net";

const [mode, nArg, secsArg] = process.argv.slice(2);
const bulk = mode === "bulk";
const n = Number(nArg), secs = Number(secsArg);
const MSG = Buffer.from("012345678901234567890123456789012345678901234567890123456789012\n");
let count = 0;

const server = net.createServer({ noDelay: true }, (sock) => {
    if (bulk) { sock.on("data", () => {}); sock.on("end", () => sock.end()); return; }
    let pending = Buffer.alloc(0);
    sock.on("data", (d) => {
        pending = pending.length ? Buffer.concat([pending, d]) : d;
        let i;
        while ((i = pending.indexOf(10)) >= 0) {
            sock.write(pending.subarray(0, i + 1));
            pending = pending.subarray(i + 1);
        }
    });
    sock.on("end", () => sock.end());
});

function client(port, deadline) {
    return new Promise((resolve) => {
        const sock = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => {
            if (bulk) {
                const chunk = Buffer.alloc(65536);
                const pump = () => {
                    while (performance.now() < deadline) {
                        count += chunk.length;
                        if (!sock.write(chunk)) { sock.once("drain", pump); return; }
                    }
                    sock.end();
                };
                pump();
            } else {
                sock.write(MSG);
            }
        });
        let pending = Buffer.alloc(0);
        sock.on("data", (d) => {
            pending = pending.length ? Buffer.concat([pending, d]) : d;
            let i;
            while ((i = pending.indexOf(10)) >= 0) {
                pending = pending.subarray(i + 1);
                count++;
                if (performance.now() < deadline) sock.write(MSG);
                else sock.end();
            }
        });
        sock.on("close", resolve);
        sock.on("error", resolve);
    });
}

server.listen(0, "127.0.0.1", async () => {
    const port = server.address().port;
    const t0 = performance.now();
    const clients = [];
    for (let i = 0; i < n; i++) clients.push(client(port, t0 + secs * 1000));
    await Promise.all(clients);
    const el = (performance.now() - t0) / 1000;
    console.log(Math.round(bulk ? count / el / 1e6 : count / el));
    server.close();
});
