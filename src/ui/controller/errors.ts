import { BridgeError } from "../../core/bridge/index.js";
import { BackendError } from "../api/backendClient.js";

/** The sentence to show the editor for any failure; the code stays with the error object. */
export function messageOf(error: unknown): string {
  if (error instanceof BridgeError || error instanceof BackendError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return typeof error === "string" && error ? error : "Something went wrong, and the panel was not told why.";
}

export function codeOf(error: unknown): string {
  if (error instanceof BridgeError || error instanceof BackendError) return error.code;
  return "internal";
}
