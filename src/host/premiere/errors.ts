import { BridgeError } from "../../core/bridge/index.js";
import { BridgeErrorCode } from "../../core/schemas/bridge.js";

/**
 * Error codes the Premiere host answers with: the shared ones from core plus the specific
 * situations the panel can tell the editor about (each message says what to do next).
 */
export const PremiereErrorCode = {
  ...BridgeErrorCode,
  noClips: "no_clips",
  playheadBeyondEnd: "playhead_beyond_end",
  noPlacement: "no_placement",
  takeNotReady: "take_not_ready",
  mediaFolder: "media_folder",
  downloadFailed: "download_failed",
  backendGarbage: "backend_garbage",
} as const;
export type PremiereErrorCode = (typeof PremiereErrorCode)[keyof typeof PremiereErrorCode];

export function hostError(code: PremiereErrorCode, message: string): BridgeError {
  return new BridgeError(code, message);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
