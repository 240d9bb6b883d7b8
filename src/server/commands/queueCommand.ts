import { ConfigError } from "../config.js";
import type { KyselyStore } from "../ledger/kyselyStore.js";
import { describeFailedSteps, redriveFailedStep, type FailedStep } from "../team/failedSteps.js";
import { PgJobEvents } from "../team/pgJobEvents.js";
import { requireTeamNode } from "../team/teamEnv.js";
import type { StepQueue } from "../team/stepQueue.js";
import { openTeamDatabase } from "./tokenCommand.js";

/**
 * `retake queue dead` and `retake queue redrive ID`: team mode's failed steps (the queue's dead
 * letters) from a terminal, the same list and action as the admin page's "Failed steps". They
 * work on the team database named by RETAKE_DATABASE_URL, whose queue they open; like every team
 * command they need Node ≥ 22.12.
 */

const USAGE = `Usage:
  retake queue dead           steps the studio service gave up on: whose, which project and prompt, the error
  retake queue redrive ID     run one again (ids from \`retake queue dead\`); its take goes on from where it was
Needs RETAKE_DATABASE_URL (the team database, postgres://…).
`;

export async function queueCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "dead" && sub !== "redrive") {
    process.stderr.write(sub === undefined || sub === "help" || sub === "--help" ? USAGE : `Unknown queue command "${sub}".\n\n${USAGE}`);
    return sub === "help" || sub === "--help" ? 0 : 1;
  }
  if (sub === "redrive" && (rest.length !== 1 || rest[0]!.startsWith("--"))) {
    process.stderr.write(`retake queue redrive needs one failed step's id (retake queue dead lists them).\n\n${USAGE}`);
    return 1;
  }
  if (sub === "dead" && rest.length > 0) {
    process.stderr.write(`Unknown argument "${rest[0]}".\n\n${USAGE}`);
    return 1;
  }
  if (!env.RETAKE_DATABASE_URL?.trim()) {
    throw new ConfigError(
      "retake queue works on a team service's queue: set RETAKE_DATABASE_URL to its PostgreSQL (postgres://user@host:5432/retake). An embedded Retake (no RETAKE_DATABASE_URL) runs its steps in its own process and has no queue.",
    );
  }
  requireTeamNode();
  const store = await openTeamDatabase(env);
  let queue: StepQueue | undefined;
  try {
    // Loaded here: pg-boss does not load on the Node 20 the rest of the CLI may run on.
    const { StepQueue } = await import("../team/stepQueue.js");
    queue = await StepQueue.open({ connectionString: env.RETAKE_DATABASE_URL!.trim() });
    if (sub === "dead") return await listDead(queue, store);
    return await redrive(rest[0]!, queue, store, env.RETAKE_DATABASE_URL!.trim());
  } finally {
    await queue?.close().catch(() => undefined);
    await store.close();
  }
}

async function listDead(queue: StepQueue, store: KyselyStore): Promise<number> {
  const failed = await describeFailedSteps(await queue.deadLetters(), store);
  if (failed.length === 0) {
    process.stdout.write("Nothing has failed: no step is waiting for an admin.\n");
    return 0;
  }
  const lines = [`${failed.length} failed step${failed.length === 1 ? "" : "s"}, oldest first. Run one again with: retake queue redrive ID`, ""];
  for (const step of failed) lines.push(...describe(step), "");
  process.stdout.write(lines.join("\n"));
  return 0;
}

async function redrive(id: string, queue: StepQueue, store: KyselyStore, databaseUrl: string): Promise<number> {
  // Panels on every API process hear at once that the take is queued again.
  const events = await PgJobEvents.open({ connectionString: databaseUrl, store });
  try {
    const step = await redriveFailedStep(id, queue, store, events);
    if (!step) {
      process.stderr.write(`No failed step "${id}" is waiting: it was redriven already (or the same step is queued again), or there never was one. retake queue dead lists those waiting.\n`);
      return 1;
    }
    process.stdout.write(
      `Redriven: ${what(step)}${step.editor ? ` (${step.editor.name}` : " ("}${step.project ? `${step.editor ? ", " : ""}"${step.project}"` : ""}).\n` +
        (step.kind === "take" ? "Its take is queued again and goes on from where it was: a generation already sent is polled, not sent or paid again.\n" : "It is queued again.\n"),
    );
    return 0;
  } finally {
    await events.close();
  }
}

function what(step: FailedStep): string {
  return step.kind === "take" ? `take ${step.takeId} of job ${step.jobId}` : `${step.kind === "loop" ? "the next auto round" : "the planned upscale"} of job ${step.jobId}`;
}

function describe(step: FailedStep): string[] {
  const when = step.failedAt.slice(0, 16).replace("T", " ");
  return [
    `${step.id}  ${what(step)}${step.takeState ? ` (take ${step.takeState})` : ""}`,
    `  failed ${when} UTC after ${step.attempts} attempt${step.attempts === 1 ? "" : "s"}: ${step.error ?? "(no error kept)"}`,
    `  editor: ${step.editor?.name ?? "(not signed in)"}   project: ${step.project ?? "(job gone)"}   provider: ${step.provider ?? "?"}   ${step.priority}`,
    ...(step.prompt ? [`  prompt: "${step.prompt}"`] : []),
  ];
}
