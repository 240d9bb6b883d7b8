import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileDirection } from "../../src/core/direction/index.js";
import type { Artifact, Job, Take } from "../../src/core/schemas/index.js";
import type { KyselyStore } from "../../src/server/ledger/kyselyStore.js";
import { openStore } from "../../src/server/ledger/openStore.js";
import { sequenceContext } from "./backend.js";
import { freshDatabase } from "./postgres.js";

/**
 * The store tests run every case on both databases: the embedded SQLite file in a temp dir, and a
 * fresh PostgreSQL database (test/helpers/postgres.ts). `reopen` opens a second store on the same
 * database: a restart on SQLite, a second API process on PostgreSQL.
 */
export type StoreDialect = "sqlite" | "postgres";
export const DIALECTS: StoreDialect[] = ["sqlite", "postgres"];

export interface TestStore {
  store: KyselyStore;
  /** Another store on the same database (the caller closes it). */
  reopen(): Promise<KyselyStore>;
  /** Where the database is: the data dir, or the connection URL. */
  location: { dataDir: string } | { databaseUrl: string };
  /** Closes the store and deletes the database. */
  dispose(): Promise<void>;
}

export async function testStore(dialect: StoreDialect): Promise<TestStore> {
  if (dialect === "sqlite") {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-store-"));
    const store = await openStore({ dataDir });
    return {
      store,
      location: { dataDir },
      reopen: () => openStore({ dataDir }),
      dispose: async () => {
        await store.close().catch(() => undefined);
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const database = await freshDatabase("store");
  const store = await openStore({ databaseUrl: database.url });
  return {
    store,
    location: { databaseUrl: database.url },
    reopen: () => openStore({ databaseUrl: database.url }),
    dispose: async () => {
      await store.close().catch(() => undefined);
      await database.drop();
    },
  };
}

let counter = 0;
/** Ids that sort in the order they were made (as newId's time prefix does). */
export function testId(prefix: string): string {
  counter += 1;
  return `${prefix}_${String(counter).padStart(6, "0")}_${process.pid}`;
}

export function poster(takeId: string): Artifact {
  return { id: `${takeId}-poster`, takeId, kind: "poster", fileName: "poster.jpg", mediaType: "image/jpeg", bytes: 1000, width: 320, height: 180, createdAt: "2026-11-24T10:00:00.000Z" };
}

export function makeTake(jobId: string, index: number, fields: Partial<Take> = {}): Take {
  const at = fields.createdAt ?? "2026-11-24T10:00:00.000Z";
  const id = fields.id ?? testId("take");
  return {
    id,
    jobId,
    index,
    iteration: 0,
    providerJobId: `gen-${id}`,
    request: { model: "ray-3.2" },
    state: "queued",
    progress: 0,
    message: "Queued",
    error: null,
    outputs: {},
    critique: null,
    cost: { usd: 0.15, estimated: true },
    colorSpace: "rec709",
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

/** A job as the director makes it: a compiled direction over a captured frame, with its takes. */
export function makeJob(
  input: {
    id?: string;
    prompt?: string;
    note?: string;
    createdAt?: string;
    provider?: string;
    project?: string;
    createdBy?: { userId: string; name: string };
    takes?: Array<Partial<Take>>;
  } = {},
): Job {
  const id = input.id ?? testId("job");
  const createdAt = input.createdAt ?? "2026-11-24T10:00:00.000Z";
  const sequence = sequenceContext({ projectName: input.project ?? "Harbour film" });
  const direction = compileDirection(
    {
      prompt: input.prompt ?? "The rider crests the dune",
      duration: 2,
      annotations: input.note ? [{ id: "n1", kind: "note", at: { x: 0.5, y: 0.5 }, text: input.note }] : [],
    },
    { frameSize: sequence.frameSize },
  );
  return {
    id,
    createdAt,
    frame: { frameId: `frame-${id}`, capturedAt: createdAt, image: { width: 320, height: 180, mediaType: "image/png", bytes: 10 }, mode: "insert", sequence },
    direction,
    provider: input.provider ?? "luma",
    model: "ray-3.2",
    mode: "draft",
    count: input.takes?.length ?? 1,
    duration: 2,
    budgetUsd: null,
    canceled: false,
    ...(input.createdBy ? { createdBy: input.createdBy } : {}),
    takes: (input.takes ?? [{}]).map((fields, index) => makeTake(id, index, { createdAt, updatedAt: createdAt, ...fields })),
  };
}
