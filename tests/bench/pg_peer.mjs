// pg_peer.mjs: node-postgres's side of the PostgreSQL rows of `make bench`
// (see pg_bench.c for the three workloads): prints one number. pg is pinned
// in js/package.json and loaded from js/node_modules.
import { createRequire } from 'node:module';

const pg = createRequire(new URL('../../js/package.json', import.meta.url))('pg');

const RT_QUERIES = 5000, POOL_QUERIES = 10000, POOL_TASKS = 100, FETCH_ROUNDS = 5;
const now = () => Number(process.hrtime.bigint()) / 1e9;

async function rt() {
  const c = new pg.Client();
  await c.connect();
  const t0 = now();
  for (let i = 0; i < RT_QUERIES; i++) {
    const r = await c.query('SELECT $1::int AS v', [i]);
    if (r.rows[0].v !== i) throw new Error('bad value');
  }
  console.log(Math.round(RT_QUERIES / (now() - t0)));
  await c.end();
}

async function pool() {
  const p = new pg.Pool({ max: 10 });
  const worker = async () => {
    for (let i = 0; i < POOL_QUERIES / POOL_TASKS; i++) {
      const r = await p.query('SELECT $1::int AS v', [i]);
      if (r.rows[0].v !== i) throw new Error('bad value');
    }
  };
  const t0 = now();
  await Promise.all(Array.from({ length: POOL_TASKS }, worker));
  console.log(Math.round(POOL_QUERIES / (now() - t0)));
  await p.end();
}

async function fetch() {
  const c = new pg.Client();
  await c.connect();
  let best = 1e9;
  for (let k = 0; k < FETCH_ROUNDS; k++) {
    const t0 = now();
    const r = await c.query("SELECT i, 'row ' || i AS s, i * 1.5::float8 AS f FROM generate_series(1, 10000) i");
    let sum = 0, len = 0, fsum = 0;
    for (const row of r.rows) { sum += row.i; len += row.s.length; fsum += row.f; }
    const ms = (now() - t0) * 1000;
    if (sum !== 50005000 || !len || !(fsum > 0)) throw new Error('bad rows');
    best = Math.min(best, ms);
  }
  console.log(best.toFixed(2));
  await c.end();
}

await { rt, pool, fetch }[process.argv[2]]();
