import {
  COLOR_SPACE_LABEL,
  type Annotation,
  type ColorTags,
  type FrameRate,
  type Money,
  type Placement,
  type SequenceContext,
  type TakeState,
} from "../core/schemas/index.js";
import { formatRate as formatCoreRate, frameToTimecode, isDropFrameRate, secondsToFrame } from "../core/time.js";

/** Words for what the editor sees; kept pure so they can be tested and reused. */

/** "23.976 fps", "24 fps", "29.97 fps DF". */
export function formatRate(rate: FrameRate, dropFrame = false): string {
  return `${formatCoreRate(rate)} fps${dropFrame ? " DF" : ""}`;
}

/**
 * Seconds → SMPTE timecode at the sequence rate (core time maths; ";" before frames in
 * drop-frame). Rounds to the nearest frame: the seconds a host reports for a placement are a
 * frame start written as a double, which may land a hair either side of it.
 */
export function secondsToTimecode(seconds: number, rate: FrameRate, dropFrame = false): string {
  return frameToTimecode(Math.max(0, secondsToFrame(seconds, rate, "nearest")), rate, dropFrame && isDropFrameRate(rate));
}

export function formatFrameSize(size: { width: number; height: number }): string {
  return `${size.width}×${size.height}`;
}

export function formatColorSpace(cs: SequenceContext["colorSpace"]): string {
  return COLOR_SPACE_LABEL[cs];
}

/** The QuickTime sample entry names a codec flavour more precisely than the codec string. */
const SAMPLE_ENTRY_NAMES: Record<string, string> = {
  apco: "ProRes 422 Proxy",
  apcs: "ProRes 422 LT",
  apcn: "ProRes 422",
  apch: "ProRes 422 HQ",
  ap4h: "ProRes 4444",
  ap4x: "ProRes 4444 XQ",
  hvc1: "HEVC",
  hev1: "HEVC",
  avc1: "H.264",
  avc3: "H.264",
  av01: "AV1",
};

const CODEC_NAMES: Record<string, string> = {
  prores: "ProRes",
  hevc: "HEVC",
  h265: "HEVC",
  h264: "H.264",
  avc: "H.264",
  av1: "AV1",
  exr: "OpenEXR",
};

export function codecName(tags: Pick<ColorTags, "sampleEntry" | "codec" | "container">): string {
  if (tags.sampleEntry && SAMPLE_ENTRY_NAMES[tags.sampleEntry]) return SAMPLE_ENTRY_NAMES[tags.sampleEntry]!;
  if (tags.codec) return CODEC_NAMES[tags.codec.toLowerCase()] ?? tags.codec;
  if (tags.container === "exr") return "OpenEXR";
  return "unknown codec";
}

/**
 * "ProRes 422 HQ · Rec.2100 PQ · tags agree" (or "tags disagree"); the reader's one-line
 * summary when it has one ("HEVC · Rec.2100 PQ in the stream, no container tags · tags disagree").
 */
export function colorTagsInWords(tags: ColorTags): string {
  const what = tags.summary ? tags.summary.replace(/\.$/, "") : COLOR_SPACE_LABEL[tags.colorSpace];
  return [codecName(tags), what, tags.agree ? "tags agree" : "tags disagree"].join(" · ");
}

/** "$0.00", "~$0.42" for an estimate. */
export function formatCost(cost: Money): string {
  // Under a cent (a judged previz take: only the judge's fraction of a cent) shows its digits, not $0.00.
  const digits = cost.usd > 0 && cost.usd < 0.01 ? 4 : 2;
  return `${cost.estimated ? "~" : ""}$${cost.usd.toFixed(digits)}`;
}

export const TAKE_STATE_LABEL: Record<TakeState, string> = {
  queued: "Queued",
  running: "Rendering",
  succeeded: "Ready",
  failed: "Failed",
  canceled: "Canceled",
};

/** "Placed on V2 at 00:00:04:00" (track index is 0-based; Premiere names tracks from V1). */
export function placementInWords(placement: Placement, rate: FrameRate, dropFrame = false): string {
  const where = `Placed on V${placement.trackIndex + 1} at ${secondsToTimecode(placement.start, rate, dropFrame)}`;
  return placement.newTrack ? `${where} (new track)` : where;
}

export function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(2))} s`;
}

/**
 * A one-line description of an annotation for lists and the inspector heading. Worded so it
 * never repeats a tool's name ("Camera move", "Framing box"): tests and screen readers find
 * the tool buttons by those names.
 */
export function describeAnnotation(a: Annotation): string {
  switch (a.kind) {
    case "cameraMove": {
      const dx = a.to.x - a.from.x;
      const dy = a.to.y - a.from.y;
      const horizontal = Math.abs(dx) >= Math.abs(dy);
      const move = horizontal ? (dx >= 0 ? "pans right" : "pans left") : dy >= 0 ? "tilts down" : "tilts up";
      return `Camera ${move}, ${formatSpan(a.start, a.end)}`;
    }
    case "framingBox": {
      const size = Math.round(Math.max(a.rect.w, a.rect.h) * 100);
      return size < 98 ? `Push in to ${size}% by ${formatSeconds(a.time)}` : `Reframe by ${formatSeconds(a.time)}`;
    }
    case "subjectPath": {
      const ts = a.points.map((p) => p.t).filter((t): t is number => t !== undefined);
      const span = ts.length >= 2 ? `, ${formatSpan(ts[0]!, ts[ts.length - 1]!)}` : "";
      return `${a.label ? `“${a.label}”` : "Subject"} moves along ${a.points.length} points${span}`;
    }
    case "hold":
      return `Keep ${a.shape === "point" ? "point" : "region"}${a.label ? ` “${a.label}”` : ""} still`;
    case "note":
      return `Pinned text: ${a.text}`;
  }
}

/** "0–5 s", "1.5–4 s". */
export function formatSpan(start: number, end: number): string {
  const n = (t: number) => String(Number.isInteger(t) ? t : Number(t.toFixed(2)));
  return `${n(start)}–${n(end)} s`;
}

/** "12 KB", "3.4 MB", "1.2 GB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))} ${units[unit]}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "5 Jan 2026, 14:03" in the editor's own time zone (the ledger stores UTC). */
export function formatWhen(iso: string, timeZoneOffsetMinutes?: number): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // For tests: a fixed offset instead of the machine's zone.
  const d = timeZoneOffsetMinutes === undefined ? date : new Date(date.getTime() + timeZoneOffsetMinutes * 60_000);
  const utc = timeZoneOffsetMinutes !== undefined;
  const [day, month, year, hours, minutes] = utc
    ? [d.getUTCDate(), d.getUTCMonth(), d.getUTCFullYear(), d.getUTCHours(), d.getUTCMinutes()]
    : [d.getDate(), d.getMonth(), d.getFullYear(), d.getHours(), d.getMinutes()];
  return `${day} ${MONTHS[month]} ${year}, ${String(hours).padStart(2, "0")}:${String(minutes).padStart(2, "0")}`;
}

/** Dollars as the cost line shows them: "$0.30", or "free". */
export function formatUsd(usd: number): string {
  return usd === 0 ? "free" : `$${usd.toFixed(2)}`;
}
