import path from "node:path";
import { judgeSettingsFromEnv, type JudgeSettings } from "./critic/judge/createJudge.js";

/** Backend configuration, read once from the environment (DESIGN.md "Backend config"). */
export interface ServerConfig {
  host: string;
  port: number;
  /**
   * Port of the loopback HTTPS twin (RETAKE_HTTPS_PORT), served when `retake cert` made a
   * certificate; undefined: the next port after `port` (5177 → 5178).
   */
  httpsPort?: number;
  dataDir: string;
  /**
   * Every /v1 request must carry the token (Bearer header or ?token=).
   * - a string: that token (RETAKE_TOKEN);
   * - undefined: read `<dataDir>/token`, generating it (0600) on first start;
   * - null: no token at all. Only for tests that drive the API directly: never from the env.
   */
  token: string | null | undefined;
  /** Extra browser origins allowed to call the API (RETAKE_ALLOWED_ORIGINS, comma-separated). */
  allowedOrigins: string[];
  /** Spending limits the backend enforces at job creation (USD). */
  budget: BudgetSettings;
  providers: {
    luma: { apiKey?: string; baseUrl: string } & ProviderTuning;
    runway: { apiKey?: string; baseUrl: string } & ProviderTuning;
    /** fal.ai: FAL_KEY, and the three hosts a proxy or stand-in may replace. Absent (older test configs): no key. */
    fal?: { apiKey?: string; queueUrl: string; restUrl: string; apiUrl: string; webhookUrl?: string; jwksUrl?: string } & ProviderTuning;
    comfyui: { url?: string; workflowsDir?: string } & ProviderTuning;
  };
  /** The vision-model judge (issue 20): GEMINI_API_KEY + GEMINI_BASE_URL; none without a key. */
  judge?: JudgeSettings;
  /** Directory holding the built web pages (panel + harness). */
  webDir: string;
  /** Serve the browser harness (the simulated Premiere) at `/`. */
  harness: boolean;
}

/** Timing knobs for hosted providers; the defaults suit real APIs, tests shorten them. */
export interface ProviderTuning {
  pollIntervalMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  maxRetries?: number;
  maxRetryWaitMs?: number;
  /** A take fails as "provider_silent" after this long without any answer (director). */
  silenceTimeoutMs?: number;
}

export interface BudgetSettings {
  /** Default and maximum spend of one job (RETAKE_JOB_BUDGET_USD); a request may ask for less. */
  perJobUsd: number;
  /** Spend of all jobs created on one UTC day (RETAKE_DAILY_CAP_USD). */
  dailyCapUsd: number;
  /** Above this estimate the panel asks once before spending (RETAKE_CONFIRM_ABOVE_USD). */
  confirmAboveUsd: number;
}

export const DEFAULT_BUDGET: BudgetSettings = { perJobUsd: 10, dailyCapUsd: 50, confirmAboveUsd: 2 };

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const portText = env.RETAKE_PORT ?? "5177";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`RETAKE_PORT must be a port number between 0 and 65535, not "${portText}".`);
  }
  const httpsPort = optionalPort(env, "RETAKE_HTTPS_PORT");
  if (httpsPort !== undefined && httpsPort === port) {
    throw new ConfigError(`RETAKE_HTTPS_PORT must differ from RETAKE_PORT (both are ${port}): the HTTPS twin listens beside the plain port.`);
  }
  const root = process.cwd();
  return {
    host: env.RETAKE_HOST || "127.0.0.1",
    port,
    ...(httpsPort === undefined ? {} : { httpsPort }),
    dataDir: path.resolve(root, env.RETAKE_DATA_DIR || ".retake"),
    token: env.RETAKE_TOKEN || undefined,
    allowedOrigins: (env.RETAKE_ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    budget: {
      perJobUsd: usd(env, "RETAKE_JOB_BUDGET_USD", DEFAULT_BUDGET.perJobUsd),
      dailyCapUsd: usd(env, "RETAKE_DAILY_CAP_USD", DEFAULT_BUDGET.dailyCapUsd),
      confirmAboveUsd: usd(env, "RETAKE_CONFIRM_ABOVE_USD", DEFAULT_BUDGET.confirmAboveUsd),
    },
    providers: {
      luma: { apiKey: env.LUMA_API_KEY || undefined, baseUrl: env.LUMA_BASE_URL || "https://agents.lumalabs.ai/v1" },
      runway: { apiKey: env.RUNWAY_API_KEY || undefined, baseUrl: env.RUNWAY_BASE_URL || "https://api.dev.runwayml.com" },
      fal: {
        apiKey: env.FAL_KEY || undefined,
        queueUrl: env.FAL_QUEUE_URL || "https://queue.fal.run",
        restUrl: env.FAL_REST_URL || "https://rest.fal.ai",
        apiUrl: env.FAL_API_URL || "https://api.fal.ai",
        webhookUrl: env.FAL_WEBHOOK_URL || undefined,
        jwksUrl: env.FAL_JWKS_URL || undefined,
      },
      comfyui: { url: env.COMFYUI_URL || undefined, workflowsDir: env.COMFYUI_WORKFLOWS ? path.resolve(root, env.COMFYUI_WORKFLOWS) : undefined },
    },
    judge: judgeSettingsFromEnv(env),
    webDir: path.resolve(root, "build/web"),
    harness: env.RETAKE_HARNESS !== "0",
    ...overrides,
  };
}

/** An optional port setting: unset or empty is undefined; anything but 1–65535 is a ConfigError. */
function optionalPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new ConfigError(`${name} must be a port number between 1 and 65535, not "${text}".`);
  return value;
}

function usd(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${name} must be an amount in US dollars (e.g. 10), not "${text}".`);
  return value;
}
