/**
 * One bench worker process: takes jobs from the engine named in argv and prints one JSON line per
 * event (`ready`, `start`, `abort`, `done`) with a wall-clock time in ms, so the parent (measure.ts)
 * can time pickup, cancel and recovery across processes. Jobs with `ms` wait that long (or until
 * their signal aborts); others return at once.
 */
import { consumer, type EngineName } from "./engines.js";

const [engine, url, concurrency] = process.argv.slice(2) as [EngineName, string, string];
const now = () => performance.timeOrigin + performance.now();
const say = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);

const c = await consumer(engine, url);
await c.work(Number(concurrency), async (id, data, signal) => {
  say({ e: "start", id, at: now(), t: data.t });
  if (data.ms) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, data.ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        say({ e: "abort", id, at: now() });
        resolve();
      }, { once: true });
    });
  }
  say({ e: "done", id, at: now() });
});
say({ e: "ready", pid: process.pid });
process.on("SIGTERM", () => void c.close().finally(() => process.exit(0)));
