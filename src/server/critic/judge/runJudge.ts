/**
 * One take judged: frames extracted, the cost estimated and checked against what the job may
 * still spend, the judge asked, a malformed answer asked again once and then reported (never
 * repaired or guessed), and the answer turned into the critique's `judge` section. Every failure
 * becomes a `failed` section with the reason: the take is kept and scored by its measurements.
 */
import type { Direction } from "../../../core/schemas/index.js";
import type { JudgeFinding, JudgeSection } from "../critiqueSchema.js";
import { JUDGE_FRAME_COUNT, fittedSize, frameTimes, judgeImages } from "./judgeFrames.js";
import { judgeInstruction } from "./judgePrompt.js";
import { JudgeError, type Judge, type JudgeImage, type JudgeUsage } from "./judge.js";
import type { JudgeAnswer } from "./judgeAnswer.js";

export type JudgeOutcome = Omit<JudgeSection, "measuredScore">;

/** Text tokens: about four characters a token (the services' own rule of thumb), rounded up. */
const textTokens = (chars: number) => Math.ceil(chars / 4);

/**
 * What judging one take costs at most: every image's tokens, the instruction, and the whole output
 * allowance (thinking included). An upper bound, so the budget check never lets a judge overspend.
 */
export function estimateJudgeUsd(judge: Judge, input: { width: number; height: number; withStartFrame: boolean; instructionChars?: number; frames?: number }): { usd: number; usage: JudgeUsage } {
  const size = fittedSize(input.width, input.height);
  const frames = (input.frames ?? JUDGE_FRAME_COUNT) + (input.withStartFrame ? 1 : 0);
  const usage = { inputTokens: frames * (judge.imageTokens(size.width, size.height) + 12) + textTokens(input.instructionChars ?? 2400), outputTokens: judge.maxOutputTokens };
  return { usd: judge.priceUsd(usage), usage };
}

export interface RunJudgeInput {
  judge: Judge;
  /** The clip the judge looks at (the take's SDR proxy, else its master). */
  clip: string;
  framePath?: string;
  direction: Direction;
  /** What the job's budget and the day's cap still allow (USD); the judge is skipped above it. */
  roomUsd: number;
  signal?: AbortSignal;
}

export async function runJudge(input: RunJudgeInput): Promise<JudgeOutcome> {
  const { judge } = input;
  const started = performance.now();
  const confirmed = judge.pricing.confirmed;
  const spent: JudgeUsage = { inputTokens: 0, outputTokens: 0 };
  let attempts = 0;
  let times: number[] = [];
  const outcome = (rest: Pick<JudgeOutcome, "state" | "error" | "subject" | "action" | "findings">): JudgeOutcome => ({
    service: judge.service,
    model: judge.model,
    ...rest,
    frameTimes: times,
    cost: { usd: round6(judge.priceUsd(spent)), estimated: !confirmed, ...spent },
    attempts,
    latencyMs: Math.round(performance.now() - started),
  });
  const failed = (code: NonNullable<JudgeOutcome["error"]>["code"], message: string) => outcome({ state: "failed", error: { code, message }, subject: null, action: null, findings: [] });

  let images: JudgeImage[];
  let duration: number;
  try {
    ({ images, duration } = await judgeImages(input.clip, { ...(input.framePath ? { framePath: input.framePath } : {}), ...(input.signal ? { signal: input.signal } : {}) }));
  } catch (error) {
    return failed("frames", `The take's frames could not be extracted for the judge: ${(error as Error).message}`);
  }
  times = images.flatMap((i) => (i.t === null ? [] : [i.t]));
  const instruction = judgeInstruction({ direction: input.direction, hasStartFrame: images.some((i) => i.t === null), times });
  const first = images.find((i) => i.t !== null)!;
  const estimate = estimateJudgeUsd(judge, { width: first.width, height: first.height, withStartFrame: images.length > times.length, instructionChars: instruction.length + images.reduce((s, i) => s + i.label.length, 0), frames: times.length });
  if (estimate.usd > input.roomUsd + 1e-9) {
    return failed("budget", `Judging this take would cost up to $${estimate.usd.toFixed(4)}; the job's budget (or the day's cap) leaves $${Math.max(0, input.roomUsd).toFixed(4)}. Not judged.`);
  }

  let lastMalformed = "";
  while (attempts < 2) {
    attempts++;
    try {
      const reply = await judge.judge({ instruction, images, ...(input.signal ? { signal: input.signal } : {}) });
      add(spent, reply.usage);
      return outcome({ state: "judged", error: null, ...fromAnswer(reply.answer, duration, times) });
    } catch (error) {
      if (!(error instanceof JudgeError)) {
        if (input.signal?.aborted) throw error;
        return failed("http", `The judge failed: ${(error as Error).message}`);
      }
      add(spent, error.usage);
      // Only a malformed answer is asked again (once): a refusal, a rate limit or a timeout would
      // most likely repeat, and each try costs.
      if (error.code !== "malformed") return failed(error.code, error.message);
      lastMalformed = error.message;
    }
  }
  return failed("malformed", `${lastMalformed} Asked twice; reported, not guessed.`);
}

function fromAnswer(answer: JudgeAnswer, duration: number, times: number[]): Pick<JudgeOutcome, "subject" | "action" | "findings"> {
  const findings: JudgeFinding[] = answer.artefacts.map((a) => {
    const placed = a.x !== undefined && a.y !== undefined && a.w !== undefined && a.h !== undefined;
    return {
      // The model names the frame by its time: a time within 0.1 s of a frame's is that frame's;
      // one between frames is kept as said, one past the end is not.
      t: snap(Math.min(duration, Math.max(0, a.t)), times),
      kind: a.kind,
      confidence: a.confidence,
      where: placed ? { x: a.x!, y: a.y!, w: Math.min(a.w!, 1 - a.x!), h: Math.min(a.h!, 1 - a.y!) } : null,
      note: a.note,
    };
  });
  findings.sort((x, y) => x.t - y.t || y.confidence - x.confidence);
  return { subject: answer.subject, action: answer.action, findings };
}

function snap(t: number, times: number[]): number {
  const nearest = times.reduce((best, x) => (Math.abs(x - t) < Math.abs(best - t) ? x : best), times[0] ?? t);
  return Math.abs(nearest - t) <= 0.1 ? nearest : t;
}

function add(total: JudgeUsage, more: JudgeUsage) {
  total.inputTokens += more.inputTokens;
  total.outputTokens += more.outputTokens;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
export { frameTimes };
