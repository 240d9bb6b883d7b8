import { z } from "zod";
import { ColorTags, SequenceColorSpace } from "./color.js";
import { FrameContext, PlacementMode, SequenceContext } from "./frameContext.js";

/**
 * The bridge between the UI (in a webview or iframe) and the host adapter (UXP or harness).
 * Request `{id, method, params}` → response `{id, result}` | `{id, error: {code, message}}`.
 * Payloads stay small: frames and media travel as files over HTTP, never as base64 here.
 */
export const BridgeRequest = z.object({
  id: z.string().min(1),
  method: z.string().min(1),
  params: z.unknown(),
});
export type BridgeRequest = z.infer<typeof BridgeRequest>;

export const BridgeErrorBody = z.object({ code: z.string(), message: z.string() });
export type BridgeErrorBody = z.infer<typeof BridgeErrorBody>;

export const BridgeResponse = z.union([
  z.object({ id: z.string(), result: z.unknown() }),
  z.object({ id: z.string(), error: BridgeErrorBody }),
]);
export type BridgeResponse = z.infer<typeof BridgeResponse>;

/** Backend connection the host hands the UI (the UI never guesses the URL). */
export const BackendInfo = z.object({ url: z.string(), token: z.string().optional() });

export const ImportTakeParams = z.object({
  jobId: z.string(),
  takeId: z.string(),
  mode: PlacementMode.default("insert"),
});

export const Placement = z.object({
  trackIndex: z.number().int().nonnegative(),
  start: z.number(),
  end: z.number(),
  newTrack: z.boolean(),
  /** After Effects: the layer the take was added as (index 1 is the top of the stack). */
  layer: z.object({ index: z.number().int().positive(), name: z.string() }).optional(),
});
export type Placement = z.infer<typeof Placement>;

export const ImportTakeResult = z.object({
  mediaPath: z.string(),
  binName: z.string(),
  placement: Placement,
  colorTags: ColorTags,
  /**
   * Where the take's sound landed, read back from the host (Premiere: the audio track, 0-based,
   * holding the clip's audio linked to its picture; After Effects: the layer's own audio, track
   * index 0). Absent: the take has no sound, or it did not land (then `guidance` says so).
   */
  sound: z.object({ trackIndex: z.number().int().nonnegative(), start: z.number(), end: z.number() }).optional(),
  /**
   * What the editor must still set by hand, in sentences (After Effects with OCIO: which media
   * color space to give the footage, and why). Absent when nothing is left to do.
   */
  guidance: z.string().optional(),
});
export type ImportTakeResult = z.infer<typeof ImportTakeResult>;

/** Every bridge method with its params and result schema, checked on both sides. */
export const BridgeMethods = {
  "host.context": { params: z.object({}).default({}), result: SequenceContext },
  "host.backend": { params: z.object({}).default({}), result: BackendInfo },
  "host.captureFrame": {
    /** `bridgeSeconds`: Bridge over a cut, the transition's length d (default 2 s); a gap decides its own. */
    params: z.object({ mode: PlacementMode.default("insert"), bridgeSeconds: z.number().positive().max(10).optional() }).default({ mode: "insert" }),
    result: FrameContext,
  },
  "host.importTake": { params: ImportTakeParams, result: ImportTakeResult },
  /**
   * Stops an import in flight (the editor's cancel): the download ends, nothing is imported or
   * placed after it. `cancelled: false` when that take was not being imported.
   */
  "host.cancelImport": { params: z.object({ jobId: z.string(), takeId: z.string() }), result: z.object({ cancelled: z.boolean() }) },
  /** Opens the host's folder picker for the media folder; `path: null` when cancelled. */
  "host.pickMediaFolder": { params: z.object({}).default({}), result: z.object({ path: z.string().nullable() }) },
  /**
   * Records the sequence's color space where the host cannot read it (Premiere's UXP API has no
   * working color space getter); returns the fresh context.
   */
  "host.setSequenceColorSpace": { params: z.object({ colorSpace: SequenceColorSpace }), result: SequenceContext },
  /**
   * Opens a link in the system browser (UXP webviews do not follow `target="_blank"`). Only
   * http/https; the caller strips secrets first: the system browser keeps history.
   */
  "host.openExternal": {
    // `purpose` picks the words of the consent prompt UXP shows before opening (default: a take's file).
    params: z.object({ url: z.string().min(1), purpose: z.enum(["file", "signIn"]).optional() }),
    result: z.object({ ok: z.literal(true) }),
  },
  "host.secrets.get": { params: z.object({ key: z.string().min(1) }), result: z.object({ value: z.string().nullable() }) },
  "host.secrets.set": {
    params: z.object({ key: z.string().min(1), value: z.string().nullable() }),
    result: z.object({ ok: z.literal(true) }),
  },
} as const;
export type BridgeMethod = keyof typeof BridgeMethods;
export type BridgeParams<M extends BridgeMethod> = z.input<(typeof BridgeMethods)[M]["params"]>;
export type BridgeResult<M extends BridgeMethod> = z.infer<(typeof BridgeMethods)[M]["result"]>;

/** Stable error codes the UI can react to; the message is for the editor. */
export const BridgeErrorCode = {
  badRequest: "bad_request",
  unknownMethod: "unknown_method",
  timeout: "timeout",
  noProject: "no_project",
  noSequence: "no_sequence",
  captureFailed: "capture_failed",
  importFailed: "import_failed",
  colorMismatch: "color_mismatch",
  backendUnreachable: "backend_unreachable",
  internal: "internal",
} as const;
