import { z } from "zod";
import { SequenceContext } from "../../core/schemas/frameContext.js";

/**
 * What `GET /harness/state` (and the other /harness routes that change the simulated project)
 * return: the simulated Premiere project the dev harness page draws and the browser host serves
 * to the panel. Shared by the harness page (browser) and the /harness routes (server), so both
 * sides parse the same shape. Pure zod: no DOM, no node:* imports.
 */
export const HarnessBinItem = z.object({
  name: z.string(),
  mediaPath: z.string(),
  takeId: z.string(),
});
export type HarnessBinItem = z.infer<typeof HarnessBinItem>;

export const HarnessState = z.object({
  sequence: SequenceContext,
  /** The "Retake" bin: every take imported into the simulated project, oldest first. */
  bin: z.object({ name: z.string(), items: z.array(HarnessBinItem) }),
  /** Where imported media lands on disk (shown to the editor, never fetched by the page). */
  mediaFolder: z.string(),
  /** The footage the Program monitor shows; `url` is same-origin (e.g. "/harness/sample.mp4"). */
  sampleClip: z.object({ url: z.string(), duration: z.number().nonnegative() }),
  /** Backend bearer token, when the server requires one; handed to the panel via host.backend. */
  token: z.string().optional(),
});
export type HarnessState = z.infer<typeof HarnessState>;
