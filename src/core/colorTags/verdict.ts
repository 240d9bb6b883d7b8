/**
 * What the carriers mean: the detected color space, whether the carriers agree, and one
 * sentence per problem saying what is wrong and what Premiere will do about it.
 *
 * Two kinds of problem. Disagreements and missing carriers (no colr, mixed code points, PQ
 * without mdcv/clli, full-range Y′CbCr, damage) make `agree` false: the import gate refuses
 * those. Warnings (8-bit HDR, hev1, an unknown codec, an assumed ACES EXR) leave `agree`
 * alone: the file will be read as the color space we report, but the editor should know.
 */
import type { ColrBox, DetectedColorSpace, MdcvBox } from "../schemas/color.js";
import type { ExrFacts } from "./exr.js";
import type { MovieFacts } from "./isoBmff.js";

export interface Verdict {
  colorSpace: DetectedColorSpace;
  agree: boolean;
  problems: string[];
  warnings?: string[];
}

class Findings {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  agree = true;
  disagree(sentence: string): void {
    this.problems.push(sentence);
    this.agree = false;
  }
  warn(sentence: string): void {
    this.problems.push(sentence);
    this.warnings.push(sentence);
  }
  verdict(colorSpace: DetectedColorSpace): Verdict {
    return {
      colorSpace,
      agree: this.agree && colorSpace !== "unknown",
      problems: this.problems,
      ...(this.warnings.length > 0 ? { warnings: this.warnings } : {}),
    };
  }
}

/** H.273 code points, named as an editor would recognise them. */
const PRIMARIES: Record<number, string> = {
  1: "BT.709", 2: "unspecified", 4: "BT.470M", 5: "BT.601 625", 6: "BT.601 525", 9: "BT.2020", 11: "DCI-P3", 12: "Display P3",
};
const TRANSFERS: Record<number, string> = {
  1: "BT.709", 2: "unspecified", 6: "BT.601", 8: "linear", 13: "sRGB", 14: "BT.2020 10-bit", 15: "BT.2020 12-bit",
  16: "PQ (ST 2084)", 18: "HLG",
};
const MATRICES: Record<number, string> = {
  0: "identity (RGB)", 1: "BT.709", 2: "unspecified", 5: "BT.601 625", 6: "BT.601 525", 9: "BT.2020 non-constant",
  10: "BT.2020 constant",
};
const name = (table: Record<number, string>, code: number) => `${table[code] ?? "code"} (${code})`;

const CICP_SPACES: Array<{ p: number; t: number; m: number; space: DetectedColorSpace }> = [
  { p: 1, t: 1, m: 1, space: "rec709" },
  { p: 9, t: 16, m: 9, space: "rec2100-pq" },
  { p: 9, t: 18, m: 9, space: "rec2100-hlg" },
];

export function judgeMovie(f: MovieFacts): Verdict {
  const out = new Findings();
  for (const failure of f.failures) out.disagree(failure);
  if (f.failures.length > 0 && !f.sampleEntry) return out.verdict("unknown");

  if (f.sampleEntry && !f.codec) {
    out.warn(
      `Its codec (sample entry '${f.sampleEntry.replace(/[^\x20-\x7e]/g, "?")}') is not one Retake knows, so its bit depth is unchecked; Premiere may not import it.`,
    );
  }
  if (f.sampleEntry === "hev1") {
    out.warn(
      "Its HEVC sample entry is hev1 (parameter sets inside the stream) instead of hvc1; Apple players refuse it and Premiere may not import it reliably, so remux it with the hvc1 tag.",
    );
  }

  const colr = f.colr;
  if (!colr) {
    out.disagree(
      f.colrTooShort
        ? "Its colr box is too short to hold its color code points, so Premiere will guess the color space, usually as Rec.709."
        : f.colrOtherType
        ? `Its colr box holds '${f.colrOtherType}' data instead of color code points (nclx/nclc), so Premiere will guess the color space, usually as Rec.709.`
        : "It has no colr box, so Premiere will guess the color space, usually as Rec.709.",
    );
    return out.verdict("unknown");
  }
  const match = CICP_SPACES.find((s) => s.p === colr.primaries && s.t === colr.transfer && s.m === colr.matrix);
  const space = match?.space ?? "unknown";
  if (!match) {
    const said = `primaries ${name(PRIMARIES, colr.primaries)}, transfer ${name(TRANSFERS, colr.transfer)}, matrix ${name(MATRICES, colr.matrix)}`;
    const allUnspecified = colr.primaries === 2 && colr.transfer === 2 && colr.matrix === 2;
    out.disagree(
      allUnspecified
        ? `Its colr box leaves primaries, transfer and matrix unspecified, so Premiere will guess the color space, usually as Rec.709.`
        : `Its colr box mixes code points that match no delivery color space (${said}); Premiere will interpret the clip inconsistently, so its colors or brightness will be wrong.`,
    );
  }
  if (colr.fullRange && colr.matrix !== 0) {
    out.disagree(
      "Its colr box marks this Y′CbCr video as full range; Premiere will read the levels as full range, so blacks and whites shift unless the encoder really wrote full-range samples. Deliver limited (video) range.",
    );
  }
  if (space === "rec2100-pq" && (!f.mdcv || !f.clli)) {
    const missing = [!f.mdcv && "mdcv (mastering display)", !f.clli && "clli (content light level)"].filter(Boolean);
    out.disagree(
      `It is tagged Rec.2100 PQ but has no ${missing.join(" or ")} box; Premiere will tone-map it without knowing the mastering display and content peak, so highlights may clip or dim.`,
    );
  }
  judgeBitstream(f, colr, space, out);
  if ((space === "rec2100-pq" || space === "rec2100-hlg") && f.bitDepth !== undefined && f.bitDepth < 10) {
    out.warn(
      `It is tagged ${space === "rec2100-pq" ? "Rec.2100 PQ" : "Rec.2100 HLG"} but is ${f.bitDepth}-bit; Premiere will accept it, but HDR gradients will band visibly. Render 10-bit or more.`,
    );
  }
  return out.verdict(space);
}

const describe = (c: { primaries: number; transfer: number; matrix: number }) =>
  `primaries ${name(PRIMARIES, c.primaries)}, transfer ${name(TRANSFERS, c.transfer)}, matrix ${name(MATRICES, c.matrix)}`;

const sameMdcv = (a: MdcvBox, b: MdcvBox) => (Object.keys(a) as Array<keyof MdcvBox>).every((k) => a[k] === b[k]);

/**
 * The codec's own signalling against the container's. Which one Premiere prefers when they
 * differ is not documented (hdr.md §2), so any difference is a disagreement: only a file whose
 * every carrier says the same thing imports predictably.
 */
function judgeBitstream(f: MovieFacts, colr: ColrBox, space: DetectedColorSpace, out: Findings): void {
  const bs = f.bitstream;
  const isProRes = f.sampleEntry !== undefined && /^ap(c[hnso]|4[hx])$/.test(f.sampleEntry);
  const isHevc = f.sampleEntry === "hvc1" || f.sampleEntry === "hev1";
  if (!bs) {
    if (isProRes || isHevc) {
      out.warn(
        `Retake could not read the ${isProRes ? "ProRes frame header" : "HEVC parameter sets"} of the first frame, so only the container's colr was checked; Premiere reads the frame too.`,
      );
    }
    return;
  }
  const where = bs.source === "prores-frame-header" ? "the ProRes frame header" : "the HEVC stream (SPS VUI)";
  if (bs.primaries !== colr.primaries || bs.transfer !== colr.transfer || bs.matrix !== colr.matrix) {
    const unspecified = [bs.primaries, bs.transfer, bs.matrix].every((c) => c === 2 || c === 0);
    out.disagree(
      unspecified
        ? `Its colr box says ${describe(colr)}, but ${where} leaves the color unspecified; Premiere may read the frame and treat the clip as Rec.709, so ${space === "unknown" ? "its colors" : "its HDR"} would look wrong. Re-encode with the frames tagged (conform fixes this).`
        : `Its colr box says ${describe(colr)}, but ${where} says ${describe(bs)}; Premiere may follow either, so the clip can look right in one app and wrong in another. Conform it so both agree.`,
    );
  }
  if (bs.fullRange === true && bs.matrix !== 0) {
    out.disagree(
      `${where.charAt(0).toUpperCase()}${where.slice(1)} marks this Y′CbCr video as full range; decoders will stretch its levels, so blacks and whites shift. Deliver limited (video) range.`,
    );
  } else if (colr.fullRange !== undefined && bs.fullRange !== undefined && colr.fullRange !== bs.fullRange) {
    out.disagree(`Its colr box and ${where} disagree on the video range (full vs limited); Premiere may show crushed or lifted blacks.`);
  }
  if (bs.source === "hevc-sps-vui" && space === "rec2100-pq") {
    if (!bs.mdcv || !bs.clli) {
      const missing = [!bs.mdcv && "mastering display (SEI 137)", !bs.clli && "content light level (SEI 144)"].filter(Boolean);
      out.disagree(
        `It is HDR10 PQ HEVC but its stream has no ${missing.join(" or ")} message; players and Premiere that read the stream rather than the container will tone-map it blind.`,
      );
    }
    if (bs.mdcv && f.mdcv && !sameMdcv(bs.mdcv, f.mdcv)) {
      out.disagree("Its mdcv box and the stream's mastering display SEI describe different mastering displays; Premiere may tone-map it differently from other apps.");
    }
    if (bs.clli && f.clli && (bs.clli.maxCLL !== f.clli.maxCLL || bs.clli.maxFALL !== f.clli.maxFALL)) {
      out.disagree(
        `Its clli box (MaxCLL ${f.clli.maxCLL}, MaxFALL ${f.clli.maxFALL}) and the stream's SEI (MaxCLL ${bs.clli.maxCLL}, MaxFALL ${bs.clli.maxFALL}) disagree; highlights may be tone-mapped differently in different apps.`,
      );
    }
  }
}

/** ACES AP0 (ST 2065-1): R, G, B, white x,y. */
const AP0 = [0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.077, 0.32168, 0.33767];
const KNOWN_PRIMARIES: Array<{ xy: number[]; label: string }> = [
  { xy: [0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329], label: "Rec.709/sRGB primaries" },
  { xy: [0.708, 0.292, 0.17, 0.797, 0.131, 0.046, 0.3127, 0.329], label: "Rec.2020 primaries" },
  { xy: [0.713, 0.293, 0.165, 0.83, 0.128, 0.044, 0.32168, 0.33767], label: "ACES AP1 (ACEScg) primaries" },
];
const near = (a: number[], b: number[], tol: number) => a.length === b.length && a.every((x, i) => Math.abs(x - (b[i] ?? NaN)) <= tol);

export function judgeExr(f: ExrFacts): Verdict {
  const out = new Findings();
  for (const failure of f.failures) out.disagree(failure);
  if (f.failures.length > 0) return out.verdict("unknown");

  if (f.compressionUnknown) {
    out.disagree(`It uses ${f.compression} compression, which no OpenEXR reader knows; Premiere will fail to decode it.`);
  }
  const channels = f.channels ?? {};
  const rgb = ["R", "G", "B"].filter((c) => c in channels);
  const colorChannels = ["R", "G", "B", "A"].filter((c) => c in channels);
  const allHalf = colorChannels.every((c) => channels[c] === "half");
  if (rgb.length < 3) {
    const found = Object.keys(channels).slice(0, 8).join(", ") || "none";
    out.disagree(
      `It has no complete R, G, B channel set (found: ${found}), so it is not an RGB picture; Premiere cannot interpret it as ACES2065-1.`,
    );
  }

  if (!f.chromaticities) {
    out.warn(
      "It has no chromaticities attribute; Retake assumes ACES2065-1 (AP0) because the vendor declares it, but Premiere and After Effects will give it their default color space until it is interpreted by hand.",
    );
    if (rgb.length === 3 && !allHalf) {
      const types = colorChannels.map((c) => `${c} ${channels[c]}`).join(", ");
      out.disagree(
        `Its channels are not all half float (${types}), unlike the vendor's declared ACES2065-1 frames, so the assumption of ACES2065-1 is unsafe; Premiere may show wrong colors.`,
      );
    }
    return out.verdict(rgb.length === 3 ? "aces2065-1" : "unknown");
  }
  if (!near(f.chromaticities, AP0, 1e-4)) {
    const known = KNOWN_PRIMARIES.find((k) => near(f.chromaticities ?? [], k.xy, 1e-3));
    const flag = f.acesImageContainerFlag === 1 ? " even though it is flagged as an ACES container" : "";
    out.disagree(
      `Its chromaticities are ${known ? known.label : `not ACES AP0 (red ${f.chromaticities[0]}, ${f.chromaticities[1]})`}${flag}, so it is not ACES2065-1; Premiere would show wrong colors if it were interpreted as ACES.`,
    );
    return out.verdict("unknown");
  }
  if (rgb.length < 3) return out.verdict("unknown");
  if (!allHalf) {
    const types = colorChannels.map((c) => `${c} ${channels[c]}`).join(", ");
    out.warn(
      `Its channels are not all half float (${types}); the colors are ACES2065-1 as declared, but the frames are larger than Retake's half-float masters and Premiere may play them slowly.`,
    );
  }
  return out.verdict("aces2065-1");
}
