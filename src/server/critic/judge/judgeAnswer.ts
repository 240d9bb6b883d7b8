/**
 * The answer a judge must give, as zod (checked on every reply) and as the JSON schema the service
 * is asked to follow (Gemini's responseSchema is an OpenAPI 3.0 subset: no $ref, no unions). The
 * schema makes a well-formed answer likely; zod decides whether it is one. A reply that fails zod
 * is asked again once, then reported: never repaired or guessed (runJudge.ts).
 */
import { z } from "zod";
import { JudgeArtefactKind } from "../critiqueSchema.js";

const Verdict = z.object({ verdict: z.enum(["yes", "partly", "no"]), confidence: z.number().min(0).max(1), note: z.string().max(400) });

export const JudgeAnswer = z.object({
  subject: Verdict,
  action: Verdict,
  artefacts: z
    .array(
      z.object({
        /** Seconds from the take's start, as labelled on the frame it was seen in. */
        t: z.number().min(0),
        kind: JudgeArtefactKind,
        confidence: z.number().min(0).max(1),
        /** Box in frame fractions; all four absent when the model cannot place it. */
        x: z.number().min(0).max(1).optional(),
        y: z.number().min(0).max(1).optional(),
        w: z.number().min(0).max(1).optional(),
        h: z.number().min(0).max(1).optional(),
        note: z.string().max(400),
      }),
    )
    .max(20),
});
export type JudgeAnswer = z.infer<typeof JudgeAnswer>;

const verdictSchema = {
  type: "OBJECT",
  properties: {
    verdict: { type: "STRING", enum: ["yes", "partly", "no"] },
    confidence: { type: "NUMBER", minimum: 0, maximum: 1 },
    note: { type: "STRING" },
  },
  required: ["verdict", "confidence", "note"],
  propertyOrdering: ["verdict", "confidence", "note"],
} as const;

/** Gemini `generationConfig.responseSchema` (OpenAPI Schema object subset, upper-case types). */
export const JUDGE_RESPONSE_SCHEMA = {
  type: "OBJECT",
  properties: {
    subject: verdictSchema,
    action: verdictSchema,
    artefacts: {
      type: "ARRAY",
      maxItems: 20,
      items: {
        type: "OBJECT",
        properties: {
          t: { type: "NUMBER" },
          kind: { type: "STRING", enum: JudgeArtefactKind.options },
          confidence: { type: "NUMBER", minimum: 0, maximum: 1 },
          x: { type: "NUMBER" },
          y: { type: "NUMBER" },
          w: { type: "NUMBER" },
          h: { type: "NUMBER" },
          note: { type: "STRING" },
        },
        required: ["t", "kind", "confidence", "note"],
        propertyOrdering: ["t", "kind", "confidence", "x", "y", "w", "h", "note"],
      },
    },
  },
  required: ["subject", "action", "artefacts"],
  propertyOrdering: ["subject", "action", "artefacts"],
} as const;
