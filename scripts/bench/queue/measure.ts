/**
 * The measurements for one engine, run as its own process (`tsx measure.ts <engine>`) so pg-boss can
 * run under a Node ≥ 22.12 while the bench itself runs on the machine's Node. Prints one JSON line
 * of figures (ms) at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { producer, type EngineName } from "./engines.js";

const engine = process.argv[2] as EngineName;
const here = path.dirname(fileURLToPath(import.meta.url));
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

interface Event { e: string; id?: string; at?: number; t?: number }
interface Child { proc: ChildProcess; events: Event[]; waiters: Array<(ev: Event) => boolean> }

function startWorker(url: string, concurrency: number): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(here, "worker.ts"), engine, url, String(concurrency)], { stdio: ["ignore", "pipe", "inherit"] });
  const child: Child = { proc, events: [], waiters: [] };
  readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
    let ev: Event;
    try { ev = JSON.parse(line) as Event; } catch { return; }
    child.events.push(ev);
    child.waiters = child.waiters.filter((w) => !w(ev));
  });
  return new Promise((resolve, reject) => {
    child.waiters.push((ev) => (ev.e === "ready" ? (resolve(child), true) : false));
    proc.once("exit", (code) => reject(new Error(`bench worker exited (${code}) before it was ready`)));
  });
}

function waitFor(children: Child[], test: (ev: Event) => boolean, timeoutMs = 120_000): Promise<Event & { from: Child }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timed out waiting for a bench worker")), timeoutMs);
    for (const child of children) {
      child.waiters.push((ev) => {
        if (!test(ev)) return false;
        clearTimeout(timer);
        resolve({ ...ev, from: child });
        return true;
      });
    }
  });
}

async function database(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (engine === "bullmq") return { url: "redis://127.0.0.1:6379/15", drop: async () => {} };
  const admin = process.env.RETAKE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `bench_queue_${process.pid}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const db = await database();
const prod = await producer(engine, db.url);
const figures: Record<string, number> = {};
const kill = (c: Child, signal: NodeJS.Signals = "SIGTERM") => { if (c.proc.exitCode === null) c.proc.kill(signal); };
try {
  // 1. Pickup at idle: one worker, one job at a time, 30 samples 150 ms apart.
  const w1 = await startWorker(db.url, 1);
  await sleep(1000);
  const pickups: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = now();
    const started = waitFor([w1], (ev) => ev.e === "start" && ev.t === t);
    await prod.send({ t });
    pickups.push((await started).at! - t);
    await sleep(150);
  }
  figures.pickupP50 = pct(pickups, 50);
  console.error(`[${engine}] pickup done`);
  figures.pickupP95 = pct(pickups, 95);

  // 2. Cancel from this process while the handler runs on the worker.
  const cancels: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = now();
    const started = waitFor([w1], (ev) => ev.e === "start" && ev.t === t);
    const id = await prod.send({ t, ms: 30_000 });
    await started;
    await sleep(300);
    const aborted = waitFor([w1], (ev) => ev.e === "abort" && ev.id === id, 40_000);
    const c = now();
    await prod.cancel(id);
    cancels.push((await aborted).at! - c);
  }
  figures.cancelP50 = pct(cancels, 50);
  console.error(`[${engine}] cancel done`);
  figures.cancelMax = Math.max(...cancels);

  // 3. Throughput: 2000 trivial jobs, two worker processes of concurrency 10.
  const w2 = await startWorker(db.url, 10);
  kill(w1);
  const w1b = await startWorker(db.url, 10);
  const N = 2000;
  let done = 0;
  const allDone = waitFor([w1b, w2], (ev) => ev.e === "done" && ++done === N, 120_000);
  const progress = setInterval(() => console.error(`[${engine}] ${done}/${N}`), 5000);
  const t0 = now();
  await prod.sendMany(N);
  await allDone.finally(() => clearInterval(progress));
  figures.throughput = N / ((now() - t0) / 1000);
  console.error(`[${engine}] throughput done`);

  // 4. SIGKILL a worker mid-job; time until the other one starts that job.
  const t = now();
  const started = waitFor([w1b, w2], (ev) => ev.e === "start" && ev.t === t);
  const id = await prod.send({ t, ms: 60_000 });
  const first = await started;
  const other = first.from === w1b ? w2 : w1b;
  const again = waitFor([other], (ev) => ev.e === "start" && ev.id === id, 180_000);
  const k = now();
  kill(first.from, "SIGKILL");
  figures.recoveryAfterKill = (await again).at! - k;
  kill(other);
  kill(w1b);
} finally {
  await prod.close();
  await sleep(500);
  await db.drop().catch(() => {});
}
console.log(JSON.stringify(figures));
process.exit(0);
