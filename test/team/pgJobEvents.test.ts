/**
 * Job events across processes on Postgres LISTEN/NOTIFY: an event emitted by any process reaches
 * every process's subscribers, read back from the ledger; the NOTIFY carries only { jobId, seq };
 * the LISTEN connection comes back after the server drops it. Needs no pg-boss: runs on Node 20.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobEvent } from "../../src/core/schemas/index.js";
import { JOB_EVENTS_CHANNEL, LISTEN_APPLICATION_NAME, PgJobEvents } from "../../src/server/team/pgJobEvents.js";
import { freshDatabase, PG_ADMIN_URL, type TestDatabase } from "../helpers/postgres.js";
import { changeTable } from "./fixtures/changeTable.js";

const run = promisify(execFile);
const emitter = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "emitJobEvents.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !test(); await sleep(50)) if (Date.now() > end) throw new Error(`timed out: ${what}`);
}
const messages = (events: JobEvent[]) => events.map((e) => (e.type === "log" ? e.entry.text : e.type));

describe("job events across processes (Postgres LISTEN/NOTIFY)", () => {
  let db: TestDatabase;
  let table: Awaited<ReturnType<typeof changeTable>>;
  const open: PgJobEvents[] = [];
  const bus = async () => {
    const b = await PgJobEvents.open({ connectionString: db.url, store: table.store, maxReconnectDelayMs: 500 });
    open.push(b);
    return b;
  };

  beforeAll(async () => {
    db = await freshDatabase("jobevents");
    table = await changeTable(db.url);
  });
  afterAll(async () => {
    for (const b of open) await b.close();
    await table?.close();
    await db?.drop();
  });

  it("an event emitted in another process reaches this process's subscriber, in order, once each; other jobs' do not", async () => {
    const api = await bus();
    const got: JobEvent[] = [];
    const other: JobEvent[] = [];
    api.subscribe("job-a", (e) => got.push(e));
    api.subscribe("job-b", (e) => other.push(e));
    await run(process.execPath, ["--import", "tsx", emitter, db.url, "job-a", "3"]);
    await until(() => got.length >= 3, 10_000, "three events from the other process");
    await sleep(300);
    expect(messages(got)).toEqual([0, 1, 2].map((i) => expect.stringMatching(new RegExp(`#${i}$`))));
    expect(new Set(got.map((e) => e.seq)).size).toBe(3);
    expect(other).toEqual([]);
  });

  it("reaches subscribers on every API process, the emitting one included", async () => {
    const a = await bus();
    const b = await bus();
    const onA: JobEvent[] = [];
    const onB: JobEvent[] = [];
    a.subscribe("job-c", (e) => onA.push(e));
    b.subscribe("job-c", (e) => onB.push(e));
    const event = await table.write("job-c", "take 2 delivered");
    a.emit("job-c", event as JobEvent);
    await until(() => onB.length >= 1, 5000, "the event on the other API process");
    expect(onA[0]).toEqual(event);
    expect(onB[0]).toEqual(event);
  });

  it("NOTIFYs only { jobId, seq }, whatever the size of the event", async () => {
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    const payloads: string[] = [];
    raw.on("notification", (m) => payloads.push(m.payload ?? ""));
    await raw.query(`LISTEN ${JOB_EVENTS_CHANNEL}`);
    const a = await bus();
    const event = await table.write("job-d", "x".repeat(20_000)); // a big take would not fit in 8000 bytes
    a.emit("job-d", event as JobEvent);
    await until(() => payloads.length >= 1, 5000, "the NOTIFY");
    await raw.end();
    expect(JSON.parse(payloads[0]!)).toEqual({ jobId: "job-d", seq: event.seq });
  });

  it("comes back after the server terminates its LISTEN connection, and catches up on what it missed", async () => {
    const errors: Error[] = [];
    const api = await PgJobEvents.open({ connectionString: db.url, store: table.store, maxReconnectDelayMs: 500, onError: (e) => errors.push(e) });
    open.push(api);
    const got: JobEvent[] = [];
    api.subscribe("job-e", (e) => got.push(e));
    await run(process.execPath, ["--import", "tsx", emitter, db.url, "job-e", "1"]);
    await until(() => got.length === 1, 5000, "the first event");

    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const { rows } = await admin.query<{ ok: boolean }>(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND query ILIKE 'LISTEN%'",
      [db.name, LISTEN_APPLICATION_NAME],
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    // Emitted while the connection is down: its NOTIFY is lost, the re-read after reconnecting finds it.
    await run(process.execPath, ["--import", "tsx", emitter, db.url, "job-e", "1"]);
    await until(() => got.length === 2, 10_000, "the event sent while disconnected");
    // And a NOTIFY after the reconnect arrives as usual.
    await run(process.execPath, ["--import", "tsx", emitter, db.url, "job-e", "1"]);
    await until(() => got.length === 3, 10_000, "an event after reconnecting");
    await admin.end();
    expect(new Set(got.map((e) => e.seq)).size).toBe(3);
    expect(errors.some((e) => /lost the LISTEN connection/.test(e.message))).toBe(true);
    expect(errors.map((e) => e.message).join("\n")).not.toContain(db.url);
  });
});
