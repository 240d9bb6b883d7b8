import { HostErrorCode } from "../uxp/errors.js";

/** The shared host codes plus what only After Effects says. */
export const AeErrorCode = {
  ...HostErrorCode,
  /** The project's color settings decide this; Retake will not override them. */
  colorSettings: "color_settings",
} as const;
