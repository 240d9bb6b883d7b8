import type { Ease } from "../schemas/annotation.js";

/**
 * Ease curves over normalised progress u ∈ [0, 1] (clamped), each mapping 0 → 0 and 1 → 1.
 * Quadratic on purpose: the halves of ease-in-out are exactly ease-in and ease-out, which lets the
 * direction compiler split a move without approximating it (see compileDirection).
 */
export type EaseFunction = (u: number) => number;

/** Clamps progress to [0, 1]; NaN counts as "not started". */
export const clampUnit = (u: number): number => (u > 0 ? (u < 1 ? u : 1) : 0);

export const linear: EaseFunction = (u) => clampUnit(u);

export const easeIn: EaseFunction = (u) => {
  const v = clampUnit(u);
  return v * v;
};

export const easeOut: EaseFunction = (u) => {
  const v = 1 - clampUnit(u);
  return 1 - v * v;
};

export const easeInOut: EaseFunction = (u) => {
  const v = clampUnit(u);
  if (v < 0.5) return 2 * v * v;
  const w = 1 - v;
  return 1 - 2 * w * w;
};

export const EASES: Readonly<Record<Ease, EaseFunction>> = {
  linear,
  "ease-in": easeIn,
  "ease-out": easeOut,
  "ease-in-out": easeInOut,
};

/** Eased progress for a named ease. */
export function applyEase(ease: Ease, u: number): number {
  return EASES[ease](u);
}
