export { createPremiereHost, type PremiereHostDeps } from "./createPremiereHost.js";
export { createWebviewTransport } from "./webviewTransport.js";
export { COLOR_SPACE_PROPERTY } from "./sequenceContext.js";
export { DEFAULT_BACKEND_URL, SETTING_BACKEND_TOKEN, SETTING_BACKEND_URL, SETTING_MEDIA_FOLDER_TOKEN } from "./backendSettings.js";
export type * from "./types.js";
