export * from "./ease.js";
export * from "./cameraPath.js";
export * from "./compileDirection.js";
export * from "./renderForProvider.js";
export * from "./applyVariant.js";
