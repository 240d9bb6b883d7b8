import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeStillPng, sequenceContext, waitFor } from "../helpers/backend.js";
import { freshDatabase, type TestDatabase } from "../helpers/postgres.js";
import { runRetake, startTeamProcess, stopTeamProcesses, untilReady, type TeamProcess } from "../helpers/teamProcess.js";
import { nodeAtLeast, TEAM_NODE_MINIMUM } from "../../src/server/team/nodeVersion.js";

/**
 * Failed steps (the queue's dead letters), as a studio meets them: a `retake serve` and `retake
 * worker` (real child processes) on one PostgreSQL, a paid provider (the team bench's Luma
 * stand-in, a real HTTP server counting submits per take), and a worker that cannot finish the
 * step (an in-test queue worker that throws DoNotRetry, as a worker that runs out of memory on
 * that take every time would end). The editor's take must end ("stopped on the studio service"),
 * the admin must see it and redrive it, and the take must then finish without being sent twice.
 * pg-boss 12 needs Node ≥ 22.12: run with PATH=/work/node24/package/bin:$PATH.
 */
const teamNode = nodeAtLeast(process.version);
const reason = teamNode ? "" : ` (skipped: Node ${process.version} is older than ${TEAM_NODE_MINIMUM}, which the team queue needs)`;

const root = path.resolve(import.meta.dirname, "../..");

let database: TestDatabase;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let standIn: ChildProcess;
let standInUrl: string;
const procs: TeamProcess[] = [];
let api: TeamProcess;
let ana: string, bo: string;
let browser: Browser | undefined;

/** The admin page in Chromium, signed in with ana's admin token. */
async function adminPage() {
  browser ??= await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`${api.url}/admin/`);
  await page.fill("#token", ana);
  await page.click("#signin button[type=submit]");
  return { page, pageErrors };
}

/** `retake …` with the test's environment. */
const retake = (args: string[]) => runRetake(args, env);

/** Starts `retake serve|worker` on the test's database; stopped after all tests. */
function start(name: string, command: "serve" | "worker", extra: NodeJS.ProcessEnv = {}): TeamProcess {
  const proc = startTeamProcess(name, command, { ...env, ...extra });
  procs.push(proc);
  return proc;
}

async function call(token: string | null, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.url}${route}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

async function takeOf(token: string, jobId: string): Promise<any> {
  return (await call(token, "GET", `/v1/jobs/${jobId}`)).body.takes[0];
}

/** The stand-in's video: 5 s of test pattern, made once per machine (as the team bench does). */
function standInMp4(): string {
  const file = path.join(os.tmpdir(), "retake-bench-standin-960x540-5s.mp4");
  if (!fs.existsSync(file)) {
    execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=960x540:rate=24", "-t", "5", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", `${file}.${process.pid}.mp4`]);
    fs.renameSync(`${file}.${process.pid}.mp4`, file);
  }
  return file;
}

describe("retake queue: what it needs, said plainly", () => {
  const run = (args: string[], extra: NodeJS.ProcessEnv) => {
    const base = { ...process.env };
    delete base.RETAKE_DATABASE_URL;
    env = { ...base, ...extra };
    return retake(args);
  };

  it("names RETAKE_DATABASE_URL when it is not set, and shows its usage for an unknown subcommand", async () => {
    const missing = await run(["queue", "dead"], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("retake queue works on a team service's queue: set RETAKE_DATABASE_URL to its PostgreSQL");
    const unknown = await run(["queue", "retry"], {});
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown queue command "retry".');
    expect(unknown.stderr).toContain("retake queue redrive ID");
  }, 60_000);

  it.skipIf(teamNode)("refuses on a Node older than 22.12, saying what to install", async () => {
    const old = await run(["queue", "dead"], { RETAKE_DATABASE_URL: "postgres://127.0.0.1:5432/retake" });
    expect(old.code).toBe(1);
    expect(old.stderr).toContain(`Team mode needs Node 22.12 or newer; this is ${process.version.slice(1)}.`);
    expect(old.stderr).toContain("Install Node 22 LTS (or 24)");
  }, 60_000);
});

describe.skipIf(!teamNode)(`failed steps: the admin sees them and redrives them, and the take ends either way${reason}`, () => {
  beforeAll(async () => {
    database = await freshDatabase("deadletters");
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-dead-"));
    // A generation takes 6 s at the stand-in: long enough to stop the worker while it polls.
    standIn = spawn(process.execPath, ["--import", "tsx", path.join(root, "scripts/bench/team/lumaStandIn.ts"), standInMp4(), "6000"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    const first = await new Promise<string>((resolve) => standIn.stdout!.once("data", (c: Buffer) => resolve(c.toString())));
    standInUrl = `http://127.0.0.1:${(JSON.parse(first.split("\n")[0]!) as { ready: number }).ready}`;
    env = {
      ...process.env,
      RETAKE_DATABASE_URL: database.url,
      RETAKE_DATA_DIR: dataDir,
      RETAKE_PORT: "0",
      LUMA_API_KEY: "stand-in-key",
      LUMA_BASE_URL: standInUrl,
      RETAKE_JOB_BUDGET_USD: "50",
      RETAKE_DAILY_CAP_USD: "500",
      RETAKE_CONFIRM_ABOVE_USD: "500",
      // The watch that fails the takes of given-up steps: every 0.5 s here (5 s by default).
      RETAKE_FAILED_STEPS_CHECK_MS: "500",
    };
    const madeAna = await retake(["token", "create", "--user", "ana", "--admin"]);
    expect(madeAna.code, madeAna.stderr).toBe(0);
    ana = madeAna.stdout.trim();
    const madeBo = await retake(["token", "create", "--user", "bo"]);
    expect(madeBo.code, madeBo.stderr).toBe(0);
    bo = madeBo.stdout.trim();
    api = start("api", "serve");
    await untilReady(api);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stopTeamProcesses(procs);
    standIn?.kill("SIGTERM");
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("is for admins only, and says when nothing has failed (API and `retake queue dead`)", async () => {
    expect((await call(null, "GET", "/v1/admin/dead-letters")).status).toBe(401);
    const editor = await call(bo, "GET", "/v1/admin/dead-letters");
    expect(editor.status).toBe(403);
    expect((await call(bo, "POST", "/v1/admin/dead-letters/00000000-0000-0000-0000-000000000000/redrive")).status).toBe(403);
    expect(await call(ana, "GET", "/v1/admin/dead-letters")).toEqual({ status: 200, body: { deadLetters: [] } });
    const listed = await retake(["queue", "dead"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toBe("Nothing has failed: no step is waiting for an admin.\n");
    const { page, pageErrors } = await adminPage();
    await page.locator("#noFailed").waitFor({ state: "visible" });
    expect(await page.locator("#noFailed").textContent()).toBe("Nothing has failed: no step is waiting for you.");
    expect(await page.locator("#failedTable").isVisible()).toBe(false);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 60_000);

  it("a paid take whose step is given up ends as failed for the editor; the admin redrives it and it finishes, sent to the provider once", async () => {
    // bo drafts one take on the paid provider; a worker submits it and polls.
    const w1 = start("w1", "worker", { RETAKE_WORKER_ID: "w1", RETAKE_WORKER_CONCURRENCY: "2" });
    await untilReady(w1);
    const form = new FormData();
    form.append("context", JSON.stringify({ sequence: sequenceContext({ projectName: "Harbour spot" }), mode: "insert" }));
    form.append("image", new Blob([new Uint8Array(makeStillPng())], { type: "image/png" }), "frame.png");
    const frame = await fetch(`${api.url}/v1/frames`, { method: "POST", body: form, headers: { Authorization: `Bearer ${bo}` } });
    expect(frame.status).toBe(201);
    const frameId = ((await frame.json()) as { frameId: string }).frameId;
    const created = await call(bo, "POST", "/v1/jobs", { frameId, provider: "luma", mode: "draft", count: 1, duration: 2, prompt: "[bench bo harbour] slow push in on the lighthouse at dusk" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const jobId = created.body.id as string;
    const submitted = await waitFor(async () => ((await takeOf(bo, jobId))?.providerJobId ? takeOf(bo, jobId) : undefined), 60_000, 200);
    expect(submitted.state).not.toBe("succeeded");

    // The worker stops while it polls: it hands the step back, and the queue retries it…
    const { StepQueue, DoNotRetry } = await import("../../src/server/team/stepQueue.js");
    const exited = new Promise((resolve) => w1.child.once("exit", resolve));
    w1.child.kill("SIGTERM");
    await exited;
    // …on a worker that cannot finish it (it would run out of memory on this take every time).
    const doomed = await StepQueue.open({ connectionString: database.url });
    let doomedRuns = 0;
    await doomed.work(async () => {
      doomedRuns++;
      throw new DoNotRetry("the worker ran out of memory delivering this take");
    }, { concurrency: 2 });

    // Every take ends: bo's panel shows it failed, in words, not "running" for ever.
    const stopped = await waitFor(async () => {
      const take = await takeOf(bo, jobId);
      return take.state === "failed" ? take : undefined;
    }, 90_000, 250);
    await doomed.close();
    expect(doomedRuns).toBe(1);
    expect(stopped.error.code).toBe("stopped_on_service");
    expect(stopped.error.message).toBe(
      "Stopped on the studio service after 2 attempts: the worker ran out of memory delivering this take. An admin can retry it (Failed steps on the admin page).",
    );
    // Not the editor's retry: that would send the take again as a new, paid, generation.
    expect(stopped.error.retryable).toBeFalsy();
    expect(stopped.providerJobId).toBe(submitted.providerJobId);
    expect((await call(bo, "POST", `/v1/takes/${stopped.id}/retry`)).status).toBe(409);

    // The admin sees who, what, where and why.
    const listed = await call(ana, "GET", "/v1/admin/dead-letters");
    expect(listed.status).toBe(200);
    expect(listed.body.deadLetters).toHaveLength(1);
    const letter = listed.body.deadLetters[0];
    expect(letter).toMatchObject({
      kind: "take",
      jobId,
      takeId: stopped.id,
      takeState: "failed",
      editor: { name: "bo" },
      project: "Harbour spot",
      prompt: "[bench bo harbour] slow push in on the lighthouse at dusk",
      provider: "luma",
      priority: "draft",
      attempts: 2,
      error: "the worker ran out of memory delivering this take",
    });
    expect(Date.parse(letter.failedAt)).toBeGreaterThan(Date.parse(letter.queuedAt));
    const cli = await retake(["queue", "dead"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(`${letter.id}  take ${stopped.id} of job ${jobId} (take failed)`);
    expect(cli.stdout).toContain("after 2 attempts: the worker ran out of memory delivering this take");
    expect(cli.stdout).toContain('editor: bo   project: Harbour spot   provider: luma');
    expect(cli.stdout).toContain('prompt: "[bench bo harbour] slow push in on the lighthouse at dusk"');

    // The admin redrives it from the admin page: the take is queued again at once, and a healthy worker finishes it.
    const { page, pageErrors } = await adminPage();
    const row = page.locator("#failed tr");
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(1, 7)).toEqual(["bo", "Harbour spot", "[bench bo harbour] slow push in on the lighthouse at dusk", `take ${stopped.id} (failed)`, "2", "the worker ran out of memory delivering this take"]);
    await row.locator("button", { hasText: "Redrive" }).click();
    await page.locator("#noFailed").waitFor({ state: "visible" });
    expect(await page.locator("#failed tr").count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
    const again = await takeOf(bo, jobId);
    expect(again.state).toBe("queued");
    expect(again.error).toBeNull();
    const twice = await call(ana, "POST", `/v1/admin/dead-letters/${letter.id}/redrive`);
    expect(twice.status).toBe(404);
    expect(twice.body.error.message).toMatch(/^No failed step ".+" is waiting: it was redriven already/);

    const w2 = start("w2", "worker", { RETAKE_WORKER_ID: "w2", RETAKE_WORKER_CONCURRENCY: "2" });
    await untilReady(w2);
    const done = await waitFor(async () => {
      const take = await takeOf(bo, jobId);
      return take.state === "succeeded" || take.state === "failed" ? take : undefined;
    }, 90_000, 250);
    expect(done.state, JSON.stringify(done.error)).toBe("succeeded");
    expect(done.outputs.master).toBeTruthy();
    // Polled, never sent again: one generation paid for.
    const counts = (await (await fetch(`${standInUrl}/_counts`)).json()) as { perKey: Record<string, number> };
    expect(counts.perKey["[bench bo harbour]"]).toBe(1);
    expect(done.providerJobId).toBe(submitted.providerJobId);

    expect((await call(ana, "GET", "/v1/admin/dead-letters")).body.deadLetters).toEqual([]);
    const gone = await retake(["queue", "redrive", letter.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^No failed step ".+" is waiting: it was redriven already/);
    // The next test brings its own workers.
    const w2Exited = new Promise((resolve) => w2.child.once("exit", resolve));
    w2.child.kill("SIGTERM");
    await w2Exited;
  }, 240_000);

  it("redrives by API, by `retake queue redrive`, and by the queue alone: local takes refused at once render again and finish", async () => {
    const { StepQueue, DoNotRetry } = await import("../../src/server/team/stepQueue.js");
    const doomed = await StepQueue.open({ connectionString: database.url });
    await doomed.work(async () => {
      throw new DoNotRetry("ffmpeg crashed conforming this take");
    }, { concurrency: 2 });
    const form = new FormData();
    form.append("context", JSON.stringify({ sequence: sequenceContext({ projectName: "Previz spot" }), mode: "insert" }));
    form.append("image", new Blob([new Uint8Array(makeStillPng())], { type: "image/png" }), "frame.png");
    const frameId = ((await (await fetch(`${api.url}/v1/frames`, { method: "POST", body: form, headers: { Authorization: `Bearer ${bo}` } })).json()) as { frameId: string }).frameId;
    const created = await call(bo, "POST", "/v1/jobs", { frameId, provider: "previz", mode: "draft", count: 3, duration: 2, prompt: "tilt up" });
    expect(created.status).toBe(201);
    const jobId = created.body.id as string;
    const takes = async () => (await call(bo, "GET", `/v1/jobs/${jobId}`)).body.takes as any[];
    const failed = await waitFor(async () => {
      const all = await takes();
      return all.every((t) => t.state === "failed") ? all : undefined;
    }, 60_000, 250);
    await doomed.close();
    for (const take of failed) {
      expect(take.error.message).toBe("Stopped on the studio service after 1 attempt: ffmpeg crashed conforming this take. An admin can retry it (Failed steps on the admin page).");
    }
    const letters = (await call(ana, "GET", "/v1/admin/dead-letters")).body.deadLetters as any[];
    expect(letters.map((l) => l.takeId).sort()).toEqual(failed.map((t) => t.id).sort());

    const byApi = await call(ana, "POST", `/v1/admin/dead-letters/${letters[0].id}/redrive`);
    expect(byApi.status).toBe(200);
    expect(byApi.body.redriven).toMatchObject({ id: letters[0].id, kind: "take", takeId: letters[0].takeId, takeState: "queued", editor: { name: "bo" }, project: "Previz spot", attempts: 1 });
    const byCli = await retake(["queue", "redrive", letters[1].id]);
    expect(byCli.code, byCli.stderr).toBe(0);
    expect(byCli.stdout).toBe(
      `Redriven: take ${letters[1].takeId} of job ${jobId} (bo, "Previz spot").\nIts take is queued again and goes on from where it was: a generation already sent is polled, not sent or paid again.\n`,
    );
    // A redrive that moved the step but died before touching the ledger (only the queue moved it):
    // the take is still failed, and its step, when it runs, brings it back itself.
    const queueOnly = await StepQueue.open({ connectionString: database.url });
    expect(await queueOnly.redrive(letters[2].id)).toBe(true);
    await queueOnly.close();
    const states = new Map((await takes()).map((t) => [t.id, t.state]));
    expect([letters[0], letters[1], letters[2]].map((l) => states.get(l.takeId))).toEqual(["queued", "queued", "failed"]);

    const w3 = start("w3", "worker", { RETAKE_WORKER_ID: "w3", RETAKE_WORKER_CONCURRENCY: "2" });
    await untilReady(w3);
    // The third take is failed until its step runs (one of bo's steps at a time on this worker), so
    // wait for every take to succeed, not merely to end.
    let last: any[] = [];
    const done = await waitFor(async () => {
      last = await takes();
      return last.every((t) => t.state === "succeeded") ? last : undefined;
    }, 90_000, 250).catch(() => last);
    for (const take of done) {
      expect(take.state, JSON.stringify(take.error)).toBe("succeeded");
      expect(take.outputs.master).toBeTruthy();
    }
    expect((await call(ana, "GET", "/v1/admin/dead-letters")).body.deadLetters).toEqual([]);
  }, 180_000);
});
