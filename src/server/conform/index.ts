export { conformMaster, ConformError, type ConformInput, type ConformResult, type ConformTarget } from "./conformMaster.js";
export { pqToNits } from "./contentLight.js";
