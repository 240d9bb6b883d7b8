/**
 * The two queue engines the team-mode bench compares, behind one small shape so the measurements
 * (measure.ts) are the same code for both. Each is configured the way team mode would run it:
 * pg-boss with LISTEN/NOTIFY wake-ups and a 10 s heartbeat refreshed every second; BullMQ with a
 * 10 s lock checked for stalls every 2 s. Cancelling on another process: pg-boss does it itself
 * (the job's heartbeat sees the job cancelled and aborts its signal); BullMQ OSS only cancels in the
 * process running the job, so here a Redis pub/sub channel carries the cancel to every worker (what
 * BullMQ's Relay does) and each calls `worker.cancelJob`.
 */
export interface Producer {
  send(data: { t: number; ms?: number; key?: string }): Promise<string>;
  sendMany(count: number): Promise<void>;
  cancel(id: string): Promise<void>;
  close(): Promise<void>;
}

export interface Consumer {
  /** Runs `handler` for each job; `signal` aborts when the job is cancelled from anywhere. */
  work(concurrency: number, handler: (id: string, data: { t: number; ms?: number }, signal: AbortSignal) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export type EngineName = "pgboss" | "bullmq";
export const QUEUE = "bench";

export async function producer(engine: EngineName, url: string): Promise<Producer> {
  if (engine === "pgboss") {
    const { PgBoss } = await import("pg-boss");
    const boss = new PgBoss({ connectionString: url, useListenNotify: true, supervise: false, schedule: false });
    boss.on("error", () => {});
    await boss.start();
    await boss.createQueue(QUEUE, { heartbeatSeconds: 10, notify: true, retryLimit: 3 });
    return {
      send: async (data) => (await boss.send(QUEUE, data))!,
      sendMany: async (count) => {
        for (let i = 0; i < count; i += 500) {
          await boss.insert(QUEUE, Array.from({ length: Math.min(500, count - i) }, () => ({ data: { t: 0 } })));
        }
      },
      cancel: async (id) => void (await boss.cancel(QUEUE, id)),
      close: () => boss.stop({ graceful: false, timeout: 1000 }),
    };
  }
  const { Queue } = await import("bullmq");
  const { Redis } = await import("ioredis");
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection });
  await queue.obliterate({ force: true });
  return {
    send: async (data) => (await queue.add("job", data, { attempts: 3 })).id!,
    sendMany: async (count) => {
      for (let i = 0; i < count; i += 500) {
        await queue.addBulk(Array.from({ length: Math.min(500, count - i) }, () => ({ name: "job", data: { t: 0 } })));
      }
    },
    cancel: async (id) => void (await connection.publish(`${QUEUE}:cancel`, id)),
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

export async function consumer(engine: EngineName, url: string): Promise<Consumer> {
  if (engine === "pgboss") {
    const { PgBoss } = await import("pg-boss");
    const boss = new PgBoss({ connectionString: url, useListenNotify: true, supervise: true, monitorIntervalSeconds: 2, superviseIntervalSeconds: 2, schedule: false });
    boss.on("error", () => {});
    await boss.start();
    return {
      work: async (concurrency, handler) => {
        await boss.work<{ t: number; ms?: number }>(QUEUE, { localConcurrency: concurrency, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, burstWhenReadyExceeds: 1, heartbeatRefreshSeconds: 1 }, async ([job]) => {
          await handler(job!.id, job!.data, job!.signal);
        });
      },
      close: () => boss.stop({ graceful: false, timeout: 1000 }),
    };
  }
  const { Worker } = await import("bullmq");
  const { Redis } = await import("ioredis");
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const sub = new Redis(url, { maxRetriesPerRequest: null });
  let worker: InstanceType<typeof Worker> | undefined;
  await sub.subscribe(`${QUEUE}:cancel`);
  sub.on("message", (_channel, id: string) => worker?.cancelJob(id));
  return {
    work: async (concurrency, handler) => {
      worker = new Worker(QUEUE, async (job, _token, signal) => handler(job.id!, job.data as { t: number; ms?: number }, signal!), {
        connection, concurrency, lockDuration: 10_000, stalledInterval: 2_000,
      });
      worker.on("error", () => {});
    },
    close: async () => {
      await worker?.close(true);
      sub.disconnect();
      connection.disconnect();
    },
  };
}
