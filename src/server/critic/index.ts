export { critiqueClip, type CritiqueOptions } from "./analyseClip.js";
export { Critique } from "./critiqueSchema.js";
