import { COLOR_SPACE_LABEL, SequenceColorSpace, type SequenceContext } from "../../core/schemas/index.js";
import { hostError } from "../uxp/errors.js";
import { inUndoGroup } from "./aeModule.js";
import { readCompContext } from "./compContext.js";
import { AeErrorCode } from "./errors.js";
import { withDeliveryColorSpace } from "./projectXmp.js";
import type { AfterEffectsModule } from "./types.js";

/**
 * host.setSequenceColorSpace in After Effects. Where the working space decides (Adobe color
 * management with a Rec.709, sRGB, PQ or HLG working space) Retake follows it and will not
 * override it: asking for anything else is refused with where to change it. Where the project
 * cannot say (OCIO, or another working space), the choice is kept in the project's XMP, in one
 * undo step, and read back by host.context.
 */
export function setDeliveryColorSpace(ae: AfterEffectsModule, colorSpace: SequenceColorSpace): SequenceContext {
  const value = SequenceColorSpace.parse(colorSpace);
  const { app, project, context } = readCompContext(ae);
  const settings = context.projectColor!;
  if (settings.colorSpaceFrom === "working-space") {
    if (value === context.colorSpace) return context;
    throw hostError(
      AeErrorCode.colorSettings,
      `This project's working space is "${settings.workingSpace || "None"}", so Retake renders its takes as ${COLOR_SPACE_LABEL[context.colorSpace]}. After Effects decides this: change the working space in File › Project Settings › Color (for ${COLOR_SPACE_LABEL[value]}, choose the matching working space) and Retake follows.`,
    );
  }
  inUndoGroup(app, "Retake: delivery color space", () => {
    project.xmpPacket = withDeliveryColorSpace(project.xmpPacket ?? "", value);
  });
  return readCompContext(ae).context;
}
