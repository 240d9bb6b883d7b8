import path from "node:path";

/** Backend configuration, read once from the environment (DESIGN.md "Backend config"). */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** When set, every /v1 request must carry it (Bearer header or ?token=). */
  token: string | undefined;
  providers: {
    luma: { apiKey?: string; baseUrl: string };
    runway: { apiKey?: string; baseUrl: string };
    comfyui: { url?: string };
  };
  /** Directory holding the built web pages (panel + harness). */
  webDir: string;
  /** Serve the browser harness (the simulated Premiere) at `/`. */
  harness: boolean;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const portText = env.RETAKE_PORT ?? "5177";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`RETAKE_PORT must be a port number between 0 and 65535, not "${portText}".`);
  }
  const root = process.cwd();
  return {
    host: env.RETAKE_HOST || "127.0.0.1",
    port,
    dataDir: path.resolve(root, env.RETAKE_DATA_DIR || ".retake"),
    token: env.RETAKE_TOKEN || undefined,
    providers: {
      luma: { apiKey: env.LUMA_API_KEY || undefined, baseUrl: env.LUMA_BASE_URL || "https://agents.lumalabs.ai/v1" },
      runway: { apiKey: env.RUNWAY_API_KEY || undefined, baseUrl: env.RUNWAY_BASE_URL || "https://api.dev.runwayml.com" },
      comfyui: { url: env.COMFYUI_URL || undefined },
    },
    webDir: path.resolve(root, "build/web"),
    harness: env.RETAKE_HARNESS !== "0",
    ...overrides,
  };
}
