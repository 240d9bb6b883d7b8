// Moved to src/host/uxp/download.ts (shared with the After Effects host); kept for scripts/bench/premiere.ts.
export { streamToFile, type DownloadResult } from "../uxp/download.js";
