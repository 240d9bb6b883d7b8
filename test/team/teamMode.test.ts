import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeStillPng, sequenceContext, waitFor } from "../helpers/backend.js";
import { freshDatabase, type TestDatabase } from "../helpers/postgres.js";
import { readSse } from "../helpers/sse.js";
import { runRetake, startTeamProcess, stopTeamProcesses, untilReady, type TeamProcess } from "../helpers/teamProcess.js";
import { nodeAtLeast, TEAM_NODE_MINIMUM } from "../../src/server/team/nodeVersion.js";

/**
 * Team mode end to end, as a studio runs it: two `retake serve` API processes and two
 * `retake worker` processes (real child processes of bin/retake.mjs) on one PostgreSQL database
 * and one shared media folder, two editors with their own tokens, drafts on the previz provider.
 * pg-boss 12 needs Node ≥ 22.12: run with PATH=/work/node24/package/bin:$PATH.
 */
const teamNode = nodeAtLeast(process.version);
const reason = teamNode ? "" : ` (skipped: Node ${process.version} is older than ${TEAM_NODE_MINIMUM}, which the team queue needs)`;

let database: TestDatabase;
let dataDir: string;
let baseEnv: NodeJS.ProcessEnv;
const procs: TeamProcess[] = [];
let apiA: TeamProcess, apiB: TeamProcess, w1: TeamProcess, w2: TeamProcess;
let ana: string, bo: string;

/** Starts `retake serve|worker` on the test's database and media folder; stopped after all tests. */
function start(name: string, command: "serve" | "worker", env: NodeJS.ProcessEnv): TeamProcess {
  const proc = startTeamProcess(name, command, { ...baseEnv, ...env });
  procs.push(proc);
  return proc;
}

function api(proc: TeamProcess, token: string) {
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${proc.url}${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };
  return { call };
}

async function uploadFrame(proc: TeamProcess, token: string): Promise<string> {
  const sequence = sequenceContext({ projectName: "Team try-out" });
  const form = new FormData();
  form.append("context", JSON.stringify({ sequence, mode: "insert" }));
  form.append("image", new Blob([new Uint8Array(makeStillPng())], { type: "image/png" }), "frame.png");
  const res = await fetch(`${proc.url}/v1/frames`, { method: "POST", body: form, headers: { Authorization: `Bearer ${token}` } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { frameId: string }).frameId;
}

const settled = (job: any) => job.takes.every((t: any) => ["succeeded", "failed", "canceled"].includes(t.state));

async function finished(proc: TeamProcess, token: string, jobId: string, timeoutMs = 120_000): Promise<any> {
  return waitFor(async () => {
    const { body } = await api(proc, token).call("GET", `/v1/jobs/${jobId}`);
    return body && settled(body) ? body : undefined;
  }, timeoutMs, 500);
}

/** Which worker ran each take step to the end, from the workers' structured logs. */
function stepsDone(): Map<string, string[]> {
  const byWorker = new Map<string, string[]>();
  for (const w of [w1, w2]) byWorker.set(w.name, w.lines.filter((l) => l.msg === "step done" && l.kind === "take").map((l) => String(l.step)));
  return byWorker;
}

describe.skipIf(!teamNode)(`team mode: retake serve ×2 and retake worker ×2 on one PostgreSQL${reason}`, () => {
  beforeAll(async () => {
    database = await freshDatabase("teammode");
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-team-"));
    baseEnv = {
      ...process.env,
      RETAKE_DATABASE_URL: database.url,
      RETAKE_DATA_DIR: dataDir,
      RETAKE_PORT: "0",
      // A paid provider that is "configured" (a key) but never reached: the budget refuses before anything is sent.
      LUMA_API_KEY: "test-key-not-real",
      LUMA_BASE_URL: "http://127.0.0.1:9",
    };
    const made = await runRetake(["token", "create", "--user", "ana", "--admin"], baseEnv);
    expect(made.code, made.stderr).toBe(0);
    ana = made.stdout.trim();
    const madeBo = await runRetake(["token", "create", "--user", "bo"], baseEnv);
    expect(madeBo.code, madeBo.stderr).toBe(0);
    bo = madeBo.stdout.trim();
    apiA = start("api-a", "serve", {});
    apiB = start("api-b", "serve", {});
    w1 = start("w1", "worker", { RETAKE_WORKER_ID: "w1", RETAKE_WORKER_CONCURRENCY: "2" });
    w2 = start("w2", "worker", { RETAKE_WORKER_ID: "w2", RETAKE_WORKER_CONCURRENCY: "2" });
    await Promise.all([apiA, apiB, w1, w2].map((p) => untilReady(p)));
  }, 120_000);

  afterAll(async () => {
    await stopTeamProcesses(procs);
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("answers health and readiness, and refuses a wrong or missing token with 401", async () => {
    for (const p of [apiA, apiB]) {
      expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
      const readyz = await fetch(`${p.url}/readyz`);
      expect(readyz.status).toBe(200);
    }
    expect((await api(apiA, "rtk_wrong").call("GET", "/v1/jobs")).status).toBe(401);
    expect((await fetch(`${apiB.url}/v1/jobs`)).status).toBe(401);
    expect((await api(apiB, bo).call("GET", "/v1/jobs")).status).toBe(200);
    // The request log names no token, even one sent as ?token=.
    await fetch(`${apiA.url}/v1/jobs?token=${ana}`);
    await waitFor(() => (apiA.lines.some((l) => String(l.url).startsWith("/v1/jobs?token=redacted")) ? true : undefined), 5000);
    expect(JSON.stringify(apiA.lines)).not.toContain(ana);
  });

  it("records who made each job, runs takes on both workers, and a panel on API B sees A's job finish", async () => {
    const frameA = await uploadFrame(apiA, ana);
    const anaJob = await api(apiA, ana).call("POST", "/v1/jobs", { frameId: frameA, provider: "previz", mode: "draft", count: 4, duration: 2, prompt: "slow push in" });
    expect(anaJob.status).toBe(201);
    // The panel's event stream on the other API process.
    const stream = readSse(apiB.url!, `/v1/jobs/${anaJob.body.id}/events?token=${ana}`, { until: "done", timeoutMs: 120_000 });
    const boJob = await api(apiB, bo).call("POST", "/v1/jobs", { frameId: frameA, provider: "previz", mode: "draft", count: 4, duration: 2, prompt: "drift left" });
    expect(boJob.status).toBe(201);

    const events = await stream;
    const succeededOnB = new Set(events.filter((e) => e.event === "take").map((e) => JSON.parse(e.data).take).filter((t) => t.state === "succeeded").map((t) => t.id));
    expect(succeededOnB.size).toBe(4);

    const anaDone = await finished(apiB, ana, anaJob.body.id);
    const boDone = await finished(apiA, bo, boJob.body.id);
    expect(anaDone.createdBy?.name).toBe("ana");
    expect(boDone.createdBy?.name).toBe("bo");
    expect([...anaDone.takes, ...boDone.takes].every((t: any) => t.state === "succeeded")).toBe(true);

    const ran = stepsDone();
    process.stdout.write(`take steps per worker: ${[...ran].map(([w, s]) => `${w} ${s.length}`).join(", ")}\n`);
    expect(ran.get("w1")!.length).toBeGreaterThan(0);
    expect(ran.get("w2")!.length).toBeGreaterThan(0);
    // The API processes ran none.
    expect([apiA, apiB].some((p) => p.lines.some((l) => l.msg === "step started"))).toBe(false);
  }, 180_000);

  it("a worker SIGKILLed mid-take: the take still ends, once, and nothing is lost", async () => {
    const frame = await uploadFrame(apiA, ana);
    const job = await api(apiA, ana).call("POST", "/v1/jobs", { frameId: frame, provider: "previz", mode: "draft", count: 2, duration: 4, prompt: "tilt up" });
    expect(job.status).toBe(201);
    const takeIds = job.body.takes.map((t: any) => `take:${t.id}`);
    // Kill the worker that started one of this job's takes, while it runs.
    const victim = await waitFor(() => [w1, w2].find((w) => w.lines.some((l) => l.msg === "step started" && takeIds.includes(l.step))), 30_000, 50);
    const killedStep = victim.lines.find((l) => l.msg === "step started" && takeIds.includes(l.step))!.step as string;
    expect(victim.lines.some((l) => l.msg === "step done" && l.step === killedStep)).toBe(false);
    victim.child.kill("SIGKILL");
    const started = Date.now();

    const done = await finished(apiB, ana, job.body.id, 150_000);
    process.stdout.write(`after SIGKILL of ${victim.name}, the job finished in ${Math.round((Date.now() - started) / 1000)} s\n`);
    expect(done.takes).toHaveLength(2);
    for (const take of done.takes) {
      expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
      expect(take.outputs.master).toBeTruthy();
    }
    const survivor = victim === w1 ? w2 : w1;
    expect(survivor.lines.some((l) => l.msg === "step done" && l.step === killedStep)).toBe(true);
    // Once: the ledger's history of the job has one "succeeded" per take.
    const history = await readSse(apiA.url!, `/v1/jobs/${job.body.id}/events?token=${ana}`, { until: "done", timeoutMs: 30_000 });
    const successes = history.filter((e) => e.event === "take").map((e) => JSON.parse(e.data).take).filter((t) => t.state === "succeeded");
    expect(successes.map((t) => t.id).sort()).toEqual(done.takes.map((t: any) => t.id).sort());
  }, 200_000);

  it("a worker sent SIGTERM mid-take exits 0, finishing or handing back its step; the take still ends, once", async () => {
    const w3 = start("w3", "worker", { RETAKE_WORKER_ID: "w3", RETAKE_WORKER_CONCURRENCY: "2" });
    await untilReady(w3);
    const live = [w1, w2, w3].filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    const frame = await uploadFrame(apiA, ana);
    const job = await api(apiA, ana).call("POST", "/v1/jobs", { frameId: frame, provider: "previz", mode: "draft", count: 2, duration: 4, prompt: "pan right" });
    expect(job.status).toBe(201);
    const takeIds = job.body.takes.map((t: any) => `take:${t.id}`);
    const stopped = await waitFor(() => live.find((w) => w.lines.some((l) => l.msg === "step started" && takeIds.includes(l.step))), 30_000, 50);
    const step = stopped.lines.find((l) => l.msg === "step started" && takeIds.includes(l.step))!.step as string;
    const exited = new Promise<number | null>((resolve) => stopped.child.once("exit", (code) => resolve(code)));
    const termAt = Date.now();
    stopped.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const stopMs = Date.now() - termAt;
    const outcome = stopped.lines.find((l) => (l.msg === "step done" || l.msg === "step handed back") && l.step === step)?.msg;
    process.stdout.write(`SIGTERM: ${stopped.name} exited 0 in ${stopMs} ms; its step: ${outcome ?? "(no line)"}\n`);
    expect(outcome === "step done" || outcome === "step handed back").toBe(true);
    const done = await finished(apiB, ana, job.body.id, 150_000);
    expect(done.takes.map((t: any) => t.state), JSON.stringify(done.takes.map((t: any) => t.error))).toEqual(["succeeded", "succeeded"]);
    const history = await readSse(apiA.url!, `/v1/jobs/${job.body.id}/events?token=${ana}`, { until: "done", timeoutMs: 30_000 });
    const successes = history.filter((e) => e.event === "take").map((e) => JSON.parse(e.data).take).filter((t) => t.state === "succeeded");
    expect(successes).toHaveLength(2);
  }, 200_000);

  it("refuses an editor over their monthly budget with the figures, while the other editor's job is made", async () => {
    const frame = await uploadFrame(apiA, ana);
    const request = { frameId: frame, provider: "luma", mode: "draft", count: 1, duration: 5, prompt: "slow push in" };
    const estimate = await api(apiA, bo).call("POST", "/v1/estimate", { provider: "luma", mode: "draft", count: 1, duration: 5 });
    expect(estimate.status).toBe(200);
    const cost = estimate.body.total.usd as number;
    expect(cost).toBeGreaterThan(0);
    const users = await api(apiA, ana).call("GET", "/v1/admin/users");
    const boId = users.body.users.find((u: any) => u.name === "bo").id;
    const limit = Math.floor((cost / 2) * 100) / 100;
    expect((await api(apiA, ana).call("PUT", "/v1/admin/budgets", { scope: "user", key: boId, period: "month", limitUsd: limit })).status).toBeLessThan(300);

    const refused = await api(apiB, bo).call("POST", "/v1/jobs", request);
    expect(refused.status).toBe(402);
    expect(refused.body.error.message).toBe(
      `bo's monthly budget is $${limit.toFixed(2)}; $0.00 is spent this month; this job would cost $${cost.toFixed(2)}. Ask an admin to raise it, or wait for the next month (UTC).`,
    );
    const made = await api(apiB, ana).call("POST", "/v1/jobs", request);
    expect(made.status).toBe(201);
    expect(made.body.createdBy.name).toBe("ana");
    await api(apiA, ana).call("POST", `/v1/jobs/${made.body.id}/cancel`);
  }, 60_000);
});

describe("retake serve and retake worker without a team database", () => {
  it.each(["serve", "worker"])("retake %s says what team mode needs and how to run one editor instead", async (command) => {
    const env = { ...process.env, RETAKE_DATABASE_URL: "", RETAKE_PORT: "0" };
    const res = await runRetake([command], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("team mode needs RETAKE_DATABASE_URL");
    expect(res.stderr).toContain("same shared folder");
    expect(res.stderr).toContain("for one editor run `npm start`");
    expect(res.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it.skipIf(teamNode)("on Node older than 22.12, retake serve says which Node team mode needs", async () => {
    const res = await runRetake(["serve"], { ...process.env, RETAKE_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/none", RETAKE_PORT: "0" });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`Team mode needs Node ${TEAM_NODE_MINIMUM.replace(/\.0$/, "")} or newer`);
  }, 60_000);
});
