/**
 * The instruction a judge reads. It asks for beliefs about what geometry cannot see — is the
 * asked subject there, does the asked action happen, which artefacts appear where — and tells the
 * model to leave camera moves to the measurements (the critic measures those far better than a
 * model guessing from six stills).
 */
import { renderForProvider } from "../../../core/direction/renderForProvider.js";
import type { Direction } from "../../../core/schemas/index.js";

export function judgeInstruction(input: { direction: Direction; hasStartFrame: boolean; times: number[] }): string {
  const words = input.direction.prompt.trim() || "(no prompt: judge only artefacts, and answer subject and action as \"yes\" with confidence 0)";
  // The drawn direction in the words a text-reading model is sent (camera, subjects, holds, notes):
  // context for "does the action happen"; the camera itself is measured, not judged.
  const drawn = renderForProvider(input.direction, "prompt").directives;
  return [
    "You are checking one generated video take for a film editor. You see still frames of it, each labelled with its time in seconds" +
      (input.hasStartFrame ? ", and first the captured frame the take was asked to start from." : "."),
    `The take was asked for: ${words}`,
    ...(drawn.length ? ["The editor's drawn direction, in words:", ...drawn.map((d) => `- ${d}`)] : []),
    `Frames were taken at ${input.times.map((t) => `${t.toFixed(2)} s`).join(", ")}.`,
    "Answer three things, only from what you can see:",
    "1. subject: does the take show the subject(s) the request asks for? verdict yes, partly or no; confidence 0..1; a short note.",
    "2. action: does the asked action or event happen over the frames? verdict yes, partly or no; confidence 0..1; a short note.",
    "3. artefacts: every visible generation artefact, one entry each, with the time of the frame you see it in (t, seconds, one of the times above), its kind, your confidence 0..1, where it is as a box in frame fractions (x, y = top-left corner, w, h; origin top-left) when you can place it, and a short note. Kinds: morphing (a face, hand or body melts or changes shape), extraLimbs, missingLimbs, garbledText (text or signs turn to gibberish), pop (an object appears or vanishes from one frame to the next), identityDrift (a person no longer looks like the one in the start frame), physics (motion or contact that cannot happen), other.",
    "Do not judge the camera move, framing, exposure or cuts: those are measured separately. Report nothing you cannot see; an empty artefacts list is a good answer for a clean take.",
  ].join("\n");
}
