import { BridgeError } from "../../core/bridge/index.js";
import { BridgeErrorCode } from "../../core/schemas/bridge.js";

/**
 * Error codes the UXP hosts (Premiere, After Effects) answer with: the shared ones from core plus
 * the situations the panel can tell the editor about (each message says what to do next). The
 * After Effects host adds its own few (src/host/aftereffects/errors.ts).
 */
export const HostErrorCode = {
  ...BridgeErrorCode,
  noClips: "no_clips",
  playheadBeyondEnd: "playhead_beyond_end",
  noPlacement: "no_placement",
  takeNotReady: "take_not_ready",
  mediaFolder: "media_folder",
  downloadFailed: "download_failed",
  backendGarbage: "backend_garbage",
  /** The editor cancelled, or the host-side deadline passed: the work stopped where it was. */
  cancelled: "cancelled",
  /** The same take is already being imported (a second click, or a retry after a deadline). */
  importInProgress: "import_in_progress",
} as const;
export type HostErrorCode = (typeof HostErrorCode)[keyof typeof HostErrorCode];

export function hostError(code: string, message: string): BridgeError {
  return new BridgeError(code, message);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
