export { createAfterEffectsHost, type AfterEffectsHostDeps } from "./createAfterEffectsHost.js";
export type * from "./types.js";
