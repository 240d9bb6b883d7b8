/**
 * The color part of a conform, as ffmpeg filter text: from what the source pixels are to what
 * the sequence needs, in one float zscale pass where possible. Display mappings, stated once:
 *
 *  - SDR → PQ/HLG: BT.2408 — SDR white (100%) lands at 203 cd/m² (PQ code 0.58, HLG 75%),
 *    BT.709 primaries placed inside BT.2020 in linear light (colorConvert.sdrToColorSpaceFilter).
 *  - PQ ↔ HLG: display light, 203 cd/m² ↔ HLG 75% (zimg npl=203, the same anchor).
 *  - PQ/HLG → SDR: linearise with 203 cd/m² = 1.0 (so graphics white stays white), BT.2020 →
 *    BT.709 in linear light, then the Möbius tone curve (tonemap=mobius, param 0.5: linear below
 *    half of SDR white, a smooth roll-off that maps the content peak to 100%), then BT.709
 *    gamma. Not a clip: every level up to the peak stays distinct. Measured: 203 cd/m² → 0.77
 *    linear (10-bit code ~880 of 940), 600 → 0.96, 1000 → 1.0 for a 1000 cd/m² peak. The curve
 *    runs on max(R,G,B), so hues hold. desat is 0: in ffmpeg 5.1 desat > 0 pushes over-bright
 *    greys past 1.0 (measured 1.04 at the peak with desat 2), which would then clip.
 *  - ACES2065-1 (scene-linear AP0) → PQ/HLG: AP0 → BT.2020 (Bradford-adapted 3×3) and the
 *    *display mapping* 1.0 = 203 cd/m², i.e. a scene-linear 18% grey lands at 36.5 cd/m². This is
 *    a labelled convention, not an ACES Output Transform: nothing is tone-mapped, levels above
 *    10 000 cd/m² clip. To SDR: the same, then the Möbius curve.
 *  - Anything → ACES2065-1: the inverse of that display mapping (203 cd/m² = 1.0), BT.2020 → AP0.
 */
import type { SequenceColorSpace } from "../../core/schemas/color.js";
import { SDR_REFERENCE_WHITE_NITS, SDR_RGB, sdrToColorSpaceFilter, setparamsFilter, type Resize } from "../media/colorConvert.js";

export type SourceSpace = SequenceColorSpace | "aces2065-1";

export interface ZIn {
  min: string;
  tin: string;
  pin: string;
  rin: "full" | "limited";
}

export function zscaleInput(space: SequenceColorSpace, fullRange: boolean): ZIn {
  const rin = fullRange ? "full" : "limited";
  if (space === "rec709") return { min: "709", tin: "709", pin: "709", rin };
  return { min: "2020_ncl", tin: space === "rec2100-pq" ? "smpte2084" : "arib-std-b67", pin: "2020", rin };
}

const zOutRaw = (cs: SequenceColorSpace, rgb = false) =>
  (rgb ? "m=gbr:r=full:" : cs === "rec709" ? "m=709:r=limited:" : "m=2020_ncl:r=limited:") +
  (cs === "rec709" ? "t=709:p=709" : `t=${cs === "rec2100-pq" ? "smpte2084" : "arib-std-b67"}:p=2020`);

/** AP0 → BT.2020, linear (Bradford, as verified in hdr.md). */
export const AP0_TO_2020 = [
  [1.490410, -0.266171, -0.224239],
  [-0.080167, 1.182167, -0.102000],
  [0.003228, -0.034776, 1.031549],
] as const;

/** BT.2020 → AP0, the inverse of AP0_TO_2020. */
export const BT2020_TO_AP0: number[][] = invert3(AP0_TO_2020.map((r) => [...r]));

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0]!;
  const [d, e, f] = m[1]!;
  const [g, h, i] = m[2]!;
  const A = e! * i! - f! * h!;
  const B = -(d! * i! - f! * g!);
  const C = d! * h! - e! * g!;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ];
}

export const mixer = (m: readonly (readonly number[])[]): string => {
  const k = ["r", "g", "b"];
  const parts: string[] = [];
  m.forEach((row, i) => row.forEach((v, j) => parts.push(`${k[i]}${k[j]}=${v.toFixed(6)}`)));
  return `colorchannelmixer=${parts.join(":")}`;
};

/** Tone curve for HDR → SDR; `peakRelative` is the content peak over 203 cd/m² (≥ 1). */
export const toneMap = (peakRelative: number) =>
  `tonemap=tonemap=mobius:param=0.5:desat=0:peak=${Math.max(1, peakRelative).toFixed(4)}`;

export interface ColorChainInput {
  source: SourceSpace;
  sourceFullRange: boolean;
  target: SequenceColorSpace;
  pixFmt: string;
  resize?: Resize | undefined;
  /**
   * Full-range R'G'B' out instead of Y'CbCr (for the light meter: levels are measured on the
   * 4:4:4 picture, before chroma subsampling adds reconstruction overshoot at saturated edges).
   */
  rgb?: boolean;
  /** The SDR clip (sdrClip) has already been applied upstream. */
  afterClip?: boolean;
  /** Content peak in cd/m², for the HDR → SDR curve. */
  sourcePeakNits: number;
}

/**
 * SDR → HDR starts by clipping SDR at its own white (and resizing): chroma reconstruction
 * overshoots at saturated edges, which an SDR display clips but PQ would keep as false
 * 400 cd/m² peaks. Shared by the master and the light meter's branch when both are made.
 */
export const needsSdrClip = (c: Pick<ColorChainInput, "source" | "target">) => c.source === "rec709" && c.target !== "rec709";
export function sdrClip(c: Pick<ColorChainInput, "sourceFullRange" | "resize">): string {
  const zin = zscaleInput("rec709", c.sourceFullRange);
  return `zscale=${resizeArgs(c.resize)}min=${zin.min}:rin=${zin.rin}:m=gbr:r=full,format=gbrp16le`;
}

/** Source pixels → target Y'CbCr in `pixFmt`, frames tagged. */
export function colorChain(c: ColorChainInput): string {
  const { source, target, pixFmt, resize } = c;
  const size = resizeArgs(resize);
  const npl = SDR_REFERENCE_WHITE_NITS;
  const tag = c.rgb ? "null" : setparamsFilter(target);
  const zOut = (cs: SequenceColorSpace) => zOutRaw(cs, c.rgb);
  if (source === "aces2065-1") {
    const lin = `format=gbrpf32le,${mixer(AP0_TO_2020)}`;
    if (target === "rec709") {
      return `${lin},zscale=${size}min=gbr:rin=full:tin=linear:pin=2020:m=gbr:r=full:t=linear:p=709,format=gbrpf32le,${toneMap(c.sourcePeakNits / npl)},zscale=${zOut(target)},format=${pixFmt},${tag}`;
    }
    return `${lin},zscale=${size}min=gbr:rin=full:tin=linear:pin=2020:${zOut(target)}:npl=${npl},format=${pixFmt},${tag}`;
  }
  const zin = zscaleInput(source, c.sourceFullRange);
  const input = `${size}min=${zin.min}:rin=${zin.rin}:tin=${zin.tin}:pin=${zin.pin}`;
  if (source === "rec709" && target !== "rec709") {
    const clip = c.afterClip ? "" : `${sdrClip(c)},`;
    if (!c.rgb) return `${clip}${sdrToColorSpaceFilter(target, { pixFmt, from: SDR_RGB })}`;
    return `${clip}zscale=min=gbr:rin=full:tin=709:pin=709:${zOut(target)}:npl=${npl}:d=none,format=${pixFmt}`;
  }
  if (source !== "rec709" && target === "rec709") {
    return `zscale=${input}:m=gbr:r=full:t=linear:p=709:npl=${npl},format=gbrpf32le,${toneMap(c.sourcePeakNits / npl)},zscale=${zOut(target)},format=${pixFmt},${tag}`;
  }
  return `zscale=${input}:${zOut(target)}:npl=${npl}:d=none,format=${pixFmt},${tag}`;
}

/** Source pixels → scene-linear AP0 (gbrpf32le) for an ACES2065-1 EXR. */
export const resizeArgs = (r: Resize | undefined): string => (r ? `w=${r.width}:h=${r.height}:f=${r.filter ?? "spline36"}:` : "");

export function acesChain(source: SourceSpace, sourceFullRange: boolean, resize: Resize | undefined): string {
  const size = resizeArgs(resize);
  if (source === "aces2065-1") return `format=gbrpf32le${size ? `,zscale=${size.replace(/:$/, "")}` : ""}`;
  const zin = zscaleInput(source, sourceFullRange);
  return `zscale=${size}min=${zin.min}:rin=${zin.rin}:tin=${zin.tin}:pin=${zin.pin}:m=gbr:r=full:t=linear:p=2020:npl=${SDR_REFERENCE_WHITE_NITS},format=gbrpf32le,${mixer(BT2020_TO_AP0)}`;
}
