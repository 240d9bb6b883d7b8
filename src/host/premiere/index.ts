export { createPremiereHost, type PremiereHostDeps } from "./createPremiereHost.js";
export { createWebviewTransport } from "../uxp/webviewTransport.js";
export { COLOR_SPACE_PROPERTY } from "./sequenceContext.js";
export { DEFAULT_BACKEND_URL, SETTING_BACKEND_TOKEN, SETTING_BACKEND_URL, SETTING_MEDIA_FOLDER_TOKEN } from "../uxp/backendSettings.js";
export type * from "./types.js";
