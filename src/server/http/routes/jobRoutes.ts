import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { CreateJobRequest, EnhanceRequest, HistoryQuery, jobSettled, TakePatch, TERMINAL_TAKE_STATES, type JobEvent } from "../../../core/schemas/index.js";
import type { Director } from "../../director/director.js";
import type { JobEvents } from "../../director/jobEvents.js";
import type { Store } from "../../ledger/store.js";
import { HttpError, parseOr400 } from "../errors.js";
import { createdByOf } from "../requestUser.js";

const HEARTBEAT_MS = 15_000;

export function registerJobRoutes(app: FastifyInstance, deps: { store: Store; director: Director; events: JobEvents }) {
  const { store, director, events } = deps;

  app.post("/v1/jobs", async (request, reply) => {
    const body = parseOr400(CreateJobRequest, request.body, "Job request");
    const job = await director.createJob(body, createdByOf(request));
    return reply.code(201).send(job);
  });

  app.get("/v1/jobs", async (request) => {
    const { limit } = parseOr400(z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }), request.query, "Query");
    return { jobs: await store.listJobs(limit) };
  });

  app.get<{ Params: { id: string } }>("/v1/jobs/:id", async (request) => {
    const job = await store.getJob(request.params.id);
    if (!job) throw new HttpError(404, "job_not_found", `No job ${request.params.id}.`);
    return job;
  });

  app.post<{ Params: { id: string } }>("/v1/jobs/:id/cancel", async (request) => await director.cancelJob(request.params.id));

  /** Render a draft (the named take, or the job's best) as a final master: a new job. */
  app.post<{ Params: { id: string } }>("/v1/jobs/:id/enhance", async (request, reply) => {
    const body = parseOr400(EnhanceRequest, request.body ?? {}, "Enhance request");
    return reply.code(201).send(await director.enhance(request.params.id, body, createdByOf(request)));
  });

  app.patch<{ Params: { id: string } }>("/v1/takes/:id", async (request) => await director.patchTake(request.params.id, parseOr400(TakePatch, request.body ?? {}, "Take change")));

  /** Search and filters over every job in the ledger, newest first, paged. */
  app.get("/v1/history", async (request) => {
    return await store.history(parseOr400(HistoryQuery, request.query, "History query"));
  });

  /**
   * Server-sent events. The event id is the ledger's per-job sequence number, so a client that
   * drops and reconnects (EventSource sends Last-Event-ID) is replayed every take state it missed.
   * Dropping the connection never touches the job itself.
   */
  app.get<{ Params: { id: string } }>("/v1/jobs/:id/events", async (request, reply) => {
    const jobId = request.params.id;
    if (!(await store.getJob(jobId))) throw new HttpError(404, "job_not_found", `No job ${jobId}.`);
    const lastHeader = request.headers["last-event-id"];
    const lastQuery = (request.query as { lastEventId?: string }).lastEventId;
    const after = Number(Array.isArray(lastHeader) ? lastHeader[0] : (lastHeader ?? lastQuery ?? 0)) || 0;

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
      ...corsHeadersFor(request.headers.origin),
    });
    res.write("retry: 1000\n\n");

    let lastSent = after;
    let closed = false;
    const send = (event: JobEvent) => {
      if (closed || event.seq <= lastSent) return;
      lastSent = event.seq;
      res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    // Done only when every take is terminal and an auto job's loop has finished: between rounds
    // every take may be terminal while the director is about to draft the next round.
    const finishIfDone = async () => {
      const job = await store.getJob(jobId);
      if (job && jobSettled(job) && !closed) res.write(`event: done\ndata: {}\n\n`);
    };
    const live = (event: JobEvent) => {
      send(event);
      if ((event.type === "take" && TERMINAL_TAKE_STATES.has(event.take.state)) || event.type === "job") void finishIfDone().catch(() => undefined);
    };
    // Subscribe before replaying so nothing falls between the two. Events heard while the replay
    // is read wait for it: sent first, their higher seq would make `send` drop the older replay.
    let held: JobEvent[] | null = [];
    const unsubscribe = events.subscribe(jobId, (event) => (held ? held.push(event) : live(event)));
    for (const item of await store.changesSince(jobId, after)) send(item);
    const heard = held;
    held = null;
    for (const event of heard) send(event);
    await finishIfDone();

    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    request.raw.on("close", () => {
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}

/** SSE bypasses Fastify's reply pipeline, so it sets the CORS headers the hook would have. */
function corsHeadersFor(origin: string | undefined): Record<string, string> {
  return origin ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : {};
}
