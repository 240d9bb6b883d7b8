import type { Job, Money, SequenceColorSpace, TakeVariant } from "../../core/schemas/index.js";
import { newId } from "../ids.js";
import type { SpendGuard } from "../ledger/store.js";
import type { Provider } from "../providers/provider.js";
import type { DirectorContext } from "./directorContext.js";
import { insertGuarded, newTake } from "./jobParts.js";
import { heldCost } from "./judgeHold.js";

/**
 * A one-take final job on an earlier job's frame and direction (an upconversion, an enhance),
 * so the take it starts from stays as it was. Inserted and started; `beforeStart` writes what
 * must be in the ledger before the take can change (the reasoning log).
 */
export async function startFollowUpJob(
  ctx: DirectorContext,
  source: Job,
  input: {
    provider: Provider;
    model: string;
    cost: Money;
    /** The judge's estimate for the take (0 where the project's takes are not judged): held in its cost (judgeHold.ts). */
    judgeUsd?: number;
    colorSpace: SequenceColorSpace;
    message: string;
    link: Pick<Job, "upconvertOf" | "enhanceOf" | "upscaleOf" | "targetSize" | "upscaleNext">;
    variant?: TakeVariant;
    budgetUsd?: number;
    exr?: boolean;
    beforeStart?: (job: Job) => Promise<void>;
    /** The budget check, made atomically with the insert; a refusal is a 402 naming `field`. */
    guard?: SpendGuard;
    field?: string;
    /** Who asked (team mode); by default whoever made the source job (a planned upscale after an enhance). */
    createdBy?: Job["createdBy"];
  },
): Promise<Job> {
  const now = new Date().toISOString();
  const jobId = newId("job");
  const take = newTake({ jobId, index: 0, iteration: 0, ...heldCost(input.cost, input.judgeUsd ?? 0), colorSpace: input.colorSpace, now, variant: input.variant, message: input.message });
  const job: Job = {
    id: jobId,
    createdAt: now,
    frame: source.frame,
    direction: source.direction,
    provider: input.provider.id,
    model: input.model,
    mode: "final",
    count: 1,
    duration: source.duration,
    budgetUsd: input.budgetUsd ?? null,
    budgetLimitUsd: input.budgetUsd ?? ctx.budget.settings.perJobUsd,
    ...(input.exr ? { exr: true } : {}),
    ...input.link,
    canceled: false,
    ...((input.createdBy ?? source.createdBy) ? { createdBy: input.createdBy ?? source.createdBy } : {}),
    takes: [take],
  };
  await insertGuarded(ctx.store, job, input.guard, input.field);
  await input.beforeStart?.(job);
  await ctx.startTake(job, take.id);
  return (await ctx.store.getJob(jobId))!;
}
