export * from "./color.js";
export * from "./frameContext.js";
export * from "./annotation.js";
export * from "./direction.js";
export * from "./job.js";
export * from "./bridge.js";
