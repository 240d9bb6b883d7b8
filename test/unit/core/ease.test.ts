import { describe, expect, it } from "vitest";
import { Ease } from "../../../src/core/schemas/annotation.js";
import { EASES, applyEase, easeIn, easeInOut, easeOut, linear } from "../../../src/core/direction/ease.js";

describe("ease curves", () => {
  it("has one curve per Ease in the schema", () => {
    expect(Object.keys(EASES).sort()).toEqual([...Ease.options].sort());
  });

  it.each(Ease.options)("%s starts at 0, ends at 1, never goes backwards, and clamps outside [0, 1]", (name) => {
    const f = EASES[name];
    expect(f(0)).toBe(0);
    expect(f(1)).toBe(1);
    expect(f(-3)).toBe(0);
    expect(f(7)).toBe(1);
    expect(f(Number.NaN)).toBe(0);
    let previous = 0;
    for (let i = 1; i <= 1000; i++) {
      const v = f(i / 1000);
      expect(v).toBeGreaterThanOrEqual(previous);
      previous = v;
    }
  });

  it.each([
    [0.25, 0.25, 0.0625, 0.4375, 0.125],
    [0.5, 0.5, 0.25, 0.75, 0.5],
    [0.75, 0.75, 0.5625, 0.9375, 0.875],
  ])("at u = %d: linear %d, ease-in u² = %d, ease-out 1-(1-u)² = %d, ease-in-out = %d", (u, lin, inn, out, inOut) => {
    expect(linear(u)).toBe(lin);
    expect(easeIn(u)).toBeCloseTo(inn, 12);
    expect(easeOut(u)).toBeCloseTo(out, 12);
    expect(easeInOut(u)).toBeCloseTo(inOut, 12);
    expect(applyEase("ease-in-out", u)).toBe(easeInOut(u));
  });

  it("ease-in-out is slow at both ends and symmetric", () => {
    for (let i = 0; i <= 100; i++) {
      const u = i / 100;
      expect(easeInOut(u) + easeInOut(1 - u)).toBeCloseTo(1, 12);
    }
    expect(easeInOut(0.01)).toBeLessThan(0.01);
    expect(easeInOut(0.99)).toBeGreaterThan(0.99);
  });
});
