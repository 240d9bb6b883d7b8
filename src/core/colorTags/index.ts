export { readColorTags, MAX_MOOV_BYTES, type RangedRead, type ReadColorTagsOptions } from "./readColorTags.js";
export { tagsMatchSequence, type SequenceMatch } from "./expectedTags.js";
export { colrBoxesUnsettled, gateImport, notConformable, CONFORM_FORMAT_LABEL, type ConformFormat, type GateDecision } from "./gate.js";
export { exrSequenceFrames, withExrSequence, type ExrSequenceReport } from "./exrSequence.js";
export { COLOR_SIGNAL_CODES, conformPlan, type ConformPlan } from "./conformPlan.js";
export { dolbyVisionBase, dolbyVisionName, dolbyVisionUnusable, DOLBY_VISION_CONVERSION_FIX } from "./dolbyVision.js";
