/**
 * What the carriers mean: the detected color space, whether the carriers agree, one sentence
 * per problem saying what is wrong and what Premiere will do about it, and a one-line summary.
 *
 * Two kinds of finding, and `agree` is defined by them alone: **problems** (disagreeing
 * carriers, a missing carrier, mixed code points, full-range Y′CbCr, damage, Dolby Vision with
 * no compatible base layer) make `agree` false and the import gate refuses the file; **warnings**
 * (8-bit HDR, hev1, an unknown codec, an EXR without chromaticities, a colour space assumed
 * from the provider, Dolby Vision metadata Premiere ignores) leave `agree` true and are kept
 * apart. So `agree` is true exactly when `problems` is empty.
 */
import { COLOR_SPACE_LABEL } from "../colorSpaceLabels.js";
import type { ColorAssumption, ColrBox, DetectedColorSpace, MdcvBox } from "../schemas/color.js";
import { DOLBY_VISION_CONVERSION_FIX, dolbyVisionBase, dolbyVisionName } from "./dolbyVision.js";
import type { ExrFacts } from "./exr.js";
import type { BitstreamFacts, MovieFacts } from "./isoBmff.js";

export interface Verdict {
  colorSpace: DetectedColorSpace;
  agree: boolean;
  problems: string[];
  warnings?: string[];
  summary: string;
  assumed?: ColorAssumption;
}

class Findings {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  disagree(sentence: string): void {
    this.problems.push(sentence);
  }
  warn(sentence: string): void {
    this.warnings.push(sentence);
  }
  verdict(colorSpace: DetectedColorSpace, summary: string): Verdict {
    // An unknown color space is never "agreeing": there must be a sentence saying why.
    if (colorSpace === "unknown" && this.problems.length === 0) {
      this.problems.push("Retake cannot tell what color space the file is in, so Premiere's interpretation of it is unknown.");
    }
    return {
      colorSpace,
      agree: this.problems.length === 0,
      problems: this.problems,
      ...(this.warnings.length > 0 ? { warnings: this.warnings } : {}),
      summary,
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

const spaceOfCodes = (c: { primaries: number; transfer: number; matrix: number }): DetectedColorSpace | undefined =>
  CICP_SPACES.find((s) => s.p === c.primaries && s.t === c.transfer && s.m === c.matrix)?.space;

export function judgeMovie(f: MovieFacts): Verdict {
  const out = new Findings();
  for (const failure of f.failures) out.disagree(failure);
  if (f.failures.length > 0 && !f.sampleEntry) return out.verdict("unknown", "Damaged or unreadable: its color is unknown.");

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

  // Dolby Vision first: without a compatible base layer nothing else about the pictures matters.
  const dv = f.dolbyVision;
  const dvBase = dv && dolbyVisionBase(dv);
  if (dv && !dvBase) {
    out.disagree(
      `It is Dolby Vision profile ${dolbyVisionName(dv)} (level ${dv.level}) with no backward-compatible base layer${dv.blPresent ? ` (compatibility id ${dv.blCompatibilityId})` : ""}: its pictures are coded for Dolby Vision decoders only, so Premiere and After Effects, which do not decode Dolby Vision, will show them with wrong colors (typically green and purple) whatever its other tags say. ${DOLBY_VISION_CONVERSION_FIX}`,
    );
    return out.verdict("unknown", `Dolby Vision profile ${dolbyVisionName(dv)} (no compatible base layer): unusable without conversion.`);
  }
  if (dv && dvBase) {
    out.warn(
      `It carries Dolby Vision profile ${dolbyVisionName(dv)} (level ${dv.level}); Premiere does not use Dolby Vision, so the editor gets its ${dvBase.label} base layer and the Dolby Vision dynamic metadata is ignored.`,
    );
    if (f.sampleEntry && /^(dvh[1e]|dva[1v]|dav1)$/.test(f.sampleEntry)) {
      out.warn(
        `Its sample entry is ${f.sampleEntry} (Dolby Vision only) although its base layer is compatible; apps that do not know Dolby Vision may refuse it, so remux it with the base codec's tag (hvc1 for HEVC).`,
      );
    }
  }

  const colr = f.colr;
  if (!colr) return judgeWithoutColr(f, out, dv && dvBase ? `Dolby Vision ${dolbyVisionName(dv)}` : undefined);
  const match = spaceOfCodes(colr);
  const space = match ?? "unknown";
  if (!match) {
    const said = describe(colr);
    const allUnspecified = colr.primaries === 2 && colr.transfer === 2 && colr.matrix === 2;
    out.disagree(
      allUnspecified
        ? `Its colr box leaves primaries, transfer and matrix unspecified, so Premiere will guess the color space, usually as Rec.709.`
        : `Its colr box mixes code points that match no delivery color space (${said}); Premiere will interpret the clip inconsistently, so its colors or brightness will be wrong.`,
    );
  }
  for (const other of f.extraColr ?? []) {
    const differs = other.primaries !== colr.primaries || other.transfer !== colr.transfer || other.matrix !== colr.matrix;
    const rangeDiffers = other.fullRange !== undefined && colr.fullRange !== undefined && other.fullRange !== colr.fullRange;
    if (differs || rangeDiffers) {
      out.disagree(
        `It has ${1 + (f.extraColr?.length ?? 0)} colr boxes that disagree: the first says ${describe(colr)}${rangeDiffers ? ` (${colr.fullRange ? "full" : "limited"} range)` : ""}, another says ${describe(other)}${rangeDiffers ? ` (${other.fullRange ? "full" : "limited"} range)` : ""}; apps pick different ones (ffmpeg reads the last, others the first), so the clip can look right in one app and wrong in another. Conform it so there is one colr box.`,
      );
      break;
    }
  }
  if (colr.fullRange && colr.matrix !== 0) {
    out.disagree(
      "Its colr box marks this Y′CbCr video as full range; Premiere will read the levels as full range, so blacks and whites shift unless the encoder really wrote full-range samples. Deliver limited (video) range.",
    );
  }
  missingHdr10Boxes(f, space, out);
  judgeBitstream(f, colr, space, out);
  if (dvBase && space !== "unknown" && space !== dvBase.space) {
    out.disagree(
      `Its Dolby Vision configuration says the base layer is ${dvBase.label}, but its colr box says ${COLOR_SPACE_LABEL[space]}; players that follow Dolby Vision and Premiere (which follows the tags) will show it differently.`,
    );
  }
  eightBitHdr(f, space, out);
  const label = COLOR_SPACE_LABEL[space];
  const summary =
    space === "unknown"
      ? "Color unknown: its tags match no delivery color space."
      : `${label}${dv && dvBase ? ` (Dolby Vision ${dolbyVisionName(dv)} base layer; the Dolby Vision metadata is ignored)` : ""}.`;
  return out.verdict(space, summary);
}

/**
 * No colr box: Premiere has nothing in the container to go by and will guess. When the codec's
 * own signalling (ProRes frame header, HEVC VUI) names a delivery color space, that is what the
 * pictures are, and the verdict says so; conform adds the container tags without re-encoding.
 */
function judgeWithoutColr(f: MovieFacts, out: Findings, dvName: string | undefined): Verdict {
  const bs = f.bitstream;
  const streamSpace = bs ? spaceOfCodes(bs) : undefined;
  const where = bs ? whereOf(bs) : "";
  if (!bs || !streamSpace) {
    out.disagree(
      f.colrTooShort
        ? "Its colr box is too short to hold its color code points, so Premiere will guess the color space, usually as Rec.709."
        : f.colrOtherType
          ? `Its colr box holds '${f.colrOtherType}' data instead of color code points (nclx/nclc), so Premiere will guess the color space, usually as Rec.709.`
          : bs
            ? `It has no colr box and ${where} leaves the color unspecified, so nothing says what the pictures are; Premiere will guess the color space, usually as Rec.709.`
            : "It has no colr box, so Premiere will guess the color space, usually as Rec.709.",
    );
    return out.verdict("unknown", "Color unknown: no container tags.");
  }
  const label = COLOR_SPACE_LABEL[streamSpace];
  out.disagree(
    `It has no colr box: ${where} says ${label} (${describe(bs)}), so that is what the pictures are, but Premiere goes by the container's tags and will guess, usually as Rec.709${streamSpace === "rec709" ? "" : ", so the HDR would be shown wrong"}. Conform adds the container's tags (without re-encoding when the delivery codec is the file's own).`,
  );
  if (bs.fullRange === true && bs.matrix !== 0) {
    out.disagree(`${capital(where)} marks this Y′CbCr video as full range; decoders will stretch its levels, so blacks and whites shift. Deliver limited (video) range.`);
  }
  missingHdr10Boxes(f, streamSpace, out);
  hevcSei(f, bs, streamSpace, out);
  eightBitHdr(f, streamSpace, out);
  return out.verdict(streamSpace, `${label} in the stream, no container tags${dvName ? ` (${dvName} base layer)` : ""}.`);
}

function missingHdr10Boxes(f: MovieFacts, space: DetectedColorSpace, out: Findings): void {
  if (space === "rec2100-pq" && (!f.mdcv || !f.clli)) {
    const missing = [!f.mdcv && "mdcv (mastering display)", !f.clli && "clli (content light level)"].filter(Boolean);
    out.disagree(
      `It is ${f.colr ? "tagged" : "coded as"} Rec.2100 PQ but has no ${missing.join(" or ")} box; Premiere will tone-map it without knowing the mastering display and content peak, so highlights may clip or dim.`,
    );
  }
}

function eightBitHdr(f: MovieFacts, space: DetectedColorSpace, out: Findings): void {
  if ((space === "rec2100-pq" || space === "rec2100-hlg") && f.bitDepth !== undefined && f.bitDepth < 10) {
    out.warn(
      `It is tagged ${space === "rec2100-pq" ? "Rec.2100 PQ" : "Rec.2100 HLG"} but is ${f.bitDepth}-bit; Premiere will accept it, but HDR gradients will band visibly. Render 10-bit or more.`,
    );
  }
}

const whereOf = (bs: BitstreamFacts) => (bs.source === "prores-frame-header" ? "the ProRes frame header" : "the HEVC stream (SPS VUI)");
const capital = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

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
  const isHevc = f.sampleEntry !== undefined && ["hvc1", "hev1", "dvh1", "dvhe"].includes(f.sampleEntry);
  if (!bs) {
    if (isProRes || isHevc) {
      out.warn(
        `Retake could not read the ${isProRes ? "ProRes frame header" : "HEVC parameter sets"} of the first frame, so only the container's colr was checked; Premiere reads the frame too.`,
      );
    }
    return;
  }
  const where = whereOf(bs);
  if (bs.primaries !== colr.primaries || bs.transfer !== colr.transfer || bs.matrix !== colr.matrix) {
    const unspecified = [bs.primaries, bs.transfer, bs.matrix].every((c) => c === 2 || c === 0);
    out.disagree(
      unspecified
        ? `Its colr box says ${describe(colr)}, but ${where} leaves the color unspecified; Premiere may read the frame and treat the clip as Rec.709, so ${space === "unknown" ? "its colors" : "its HDR"} would look wrong. Re-encode with the frames tagged${space === "unknown" ? "" : " (conform fixes this)"}.`
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
  hevcSei(f, bs, space, out);
}

/** HDR10 HEVC carries its static metadata in the stream too, and it must match the boxes. */
function hevcSei(f: MovieFacts, bs: BitstreamFacts, space: DetectedColorSpace, out: Findings): void {
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

const AP0_SUMMARY = "ACES2065-1 (AP0, scene-linear)";

/**
 * OpenEXR has no transfer attribute (the pixels are linear light) and one color attribute,
 * `chromaticities`. The standard says an absent `chromaticities` means Rec.709 primaries and
 * white point (openexr.com, "Standard Attributes"), so that is what such a file is, unless the
 * caller passes a provider's declaration (Luma documents its EXR export as ACES2065-1 and
 * writes no chromaticities): then the file is taken as ACES2065-1 and the verdict records that
 * the provider, not the file, said so.
 */
export function judgeExr(f: ExrFacts, assumption?: ColorAssumption): Verdict {
  const out = new Findings();
  for (const failure of f.failures) out.disagree(failure);
  if (f.failures.length > 0) return out.verdict("unknown", "Damaged or unreadable: its color is unknown.");

  if (f.compressionUnknown) {
    out.disagree(`It uses ${f.compression} compression, which no OpenEXR reader knows; Premiere will fail to decode it.`);
  }
  const channels = f.channels ?? {};
  const rgb = ["R", "G", "B"].filter((c) => c in channels);
  const colorChannels = ["R", "G", "B", "A"].filter((c) => c in channels);
  const allHalf = colorChannels.every((c) => channels[c] === "half");
  const types = () => colorChannels.map((c) => `${c} ${channels[c]}`).join(", ");
  if (rgb.length < 3) {
    const found = Object.keys(channels).slice(0, 8).join(", ") || "none";
    out.disagree(`It has no complete R, G, B channel set (found: ${found}), so it is not an RGB picture; Premiere cannot interpret its colors.`);
    return out.verdict("unknown", "Not an RGB picture: its color is unknown.");
  }

  if (!f.chromaticities) {
    if (assumption) {
      out.warn(
        `It has no chromaticities attribute, which by the OpenEXR standard means Rec.709 primaries; Retake takes it as ACES2065-1 (AP0) because ${assumption.statement} This is the provider's word, not the file's: Premiere and After Effects will read it as Rec.709 linear until it is interpreted as ACES2065-1 by hand.`,
      );
      if (!allHalf) {
        out.disagree(
          `Its channels are not all half float (${types()}), unlike the frames the provider declares as ACES2065-1, so the declaration may not describe this file; Premiere may show wrong colors.`,
        );
      }
      return { ...out.verdict("aces2065-1", `${AP0_SUMMARY}, assumed from the provider's declaration (the file has no chromaticities).`), assumed: assumption };
    }
    out.warn(
      "It has no chromaticities attribute, so by the OpenEXR standard its primaries are Rec.709 and its pixels scene-linear; Retake reads it so. If the renderer meant ACES2065-1 or another space, it should write chromaticities; Premiere and After Effects will give it their own default color space until it is interpreted by hand.",
    );
    return out.verdict("linear-rec709", "Scene-linear Rec.709 (the OpenEXR default: no chromaticities attribute).");
  }
  if (near(f.chromaticities, KNOWN_PRIMARIES[0]!.xy, 1e-3)) {
    return out.verdict("linear-rec709", "Scene-linear Rec.709 (from its chromaticities).");
  }
  if (!near(f.chromaticities, AP0, 1e-4)) {
    const known = KNOWN_PRIMARIES.find((k) => near(f.chromaticities ?? [], k.xy, 1e-3));
    const flag = f.acesImageContainerFlag === 1 ? " even though it is flagged as an ACES container" : "";
    out.disagree(
      `Its chromaticities are ${known ? known.label : `not ones Retake knows (red ${f.chromaticities[0]}, ${f.chromaticities[1]})`}${flag}, so it is neither ACES2065-1 nor Rec.709; Retake cannot deliver it and Premiere would show wrong colors if it were interpreted as either.`,
    );
    return out.verdict("unknown", `Scene-linear ${known ? known.label : "with unknown primaries"}: not a color space Retake delivers.`);
  }
  if (!allHalf) {
    out.warn(
      `Its channels are not all half float (${types()}); the colors are ACES2065-1 as declared, but the frames are larger than Retake's half-float masters and Premiere may play them slowly.`,
    );
  }
  return out.verdict("aces2065-1", `${AP0_SUMMARY}, from its chromaticities.`);
}
