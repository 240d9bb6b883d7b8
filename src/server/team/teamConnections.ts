import type { KyselyStore } from "../ledger/kyselyStore.js";
import { openStore } from "../ledger/openStore.js";
import type { JsonLog } from "./jsonLog.js";
import { PgJobEvents } from "./pgJobEvents.js";
import { StepQueue, type StepQueueOptions } from "./stepQueue.js";

/** What every team process (`retake serve`, `retake worker`) holds on the studio's PostgreSQL. */
export interface TeamConnections {
  store: KyselyStore;
  /** Job events: this process's changes NOTIFY every API process; API processes also listen. */
  events: PgJobEvents;
  queue: StepQueue;
}

/**
 * Opens the ledger, the cross-process job events and the step queue, in that order; if a later
 * one fails, the earlier ones are closed again, so a refused start leaves no connection behind.
 */
export async function openTeamConnections(
  databaseUrl: string,
  log: JsonLog,
  queueOptions: Omit<StepQueueOptions, "connectionString"> = {},
): Promise<TeamConnections> {
  const store = await openStore({ databaseUrl });
  let events: PgJobEvents | undefined;
  try {
    events = await PgJobEvents.open({ connectionString: databaseUrl, store, onError: (error) => log({ msg: "job events trouble", level: "warn", error: error.message }) });
    const queue = await StepQueue.open({ ...queueOptions, connectionString: databaseUrl });
    return { store, events, queue };
  } catch (error) {
    await events?.close();
    await store.close();
    throw error;
  }
}
