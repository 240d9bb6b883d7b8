export * from "./bridgeClient.js";
export * from "./bridgeHost.js";
