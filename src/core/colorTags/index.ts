export { readColorTags, MAX_MOOV_BYTES, type RangedRead, type ReadColorTagsOptions } from "./readColorTags.js";
export { tagsMatchSequence, type SequenceMatch } from "./expectedTags.js";
