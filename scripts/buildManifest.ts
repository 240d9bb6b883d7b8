/**
 * The UXP manifest (v5) as a zod schema, and the step that turns the committed manifest.json into
 * the one shipped in each plugin folder: the host's id and app (the committed file is Premiere's;
 * After Effects' is derived from it), version from package.json, network and webview domains
 * narrowed to the configured backend's origin (RETAKE_BACKEND_URL, loopback by default) and
 * nothing wider. Sources: Adobe's manifest docs for Premiere (shared research, section 2); for
 * After Effects the beta's reference, where every API is "Min Version 27.0".
 */
import { z } from "zod";

/** The hosts Retake ships a plugin for: one manifest, one package each (a packaged manifest takes one host). */
export const HOST_TARGETS = {
  premierepro: { id: "dev.retake.premiere", minVersion: "25.6.0", slug: "premiere", label: "Premiere Pro" },
  aftereffects: { id: "dev.retake.aftereffects", minVersion: "27.0.0", slug: "aftereffects", label: "After Effects (beta UXP)" },
} as const;
export type HostApp = keyof typeof HOST_TARGETS;
export const HOST_APPS = Object.keys(HOST_TARGETS) as HostApp[];

const Size = z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).strict();
const Theme = z.enum(["all", "lightest", "light", "medium", "dark", "darkest"]);
export const ManifestIcon = z
  .object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    path: z.string().regex(/^[^/\\].*\.(png|jpg|jpeg|svg)$/i, "icon paths are relative PNG/JPG/SVG files"),
    scale: z.array(z.number().positive()).min(1).optional(),
    theme: z.array(Theme).min(1).optional(),
    species: z.array(z.enum(["pluginList", "toolbar", "generic"])).min(1).optional(),
  })
  .strict();

const Origin = z
  .string()
  .regex(/^(https?|wss?):\/\/[^/\s]+$/, "a domain is an origin: scheme://host[:port], no path")
  .refine((d) => !/\*\.[a-z]+$/i.test(d.replace(/:\d+$/, "")) || d.split(".").length > 2, "no wildcard in the top-level domain");

export const ManifestV5 = z
  .object({
    manifestVersion: z.literal(5),
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "plugin id: letters, digits, dots, dashes"),
    name: z.string().min(1).max(45),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "version is x.y.z"),
    main: z.string().min(1),
    // Packaged plugins take exactly one host (an array is for development only).
    host: z
      .object({
        app: z.enum(["premierepro", "aftereffects", "PS", "ID", "XD"]),
        minVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "minVersion is x.y.z"),
        maxVersion: z.string().regex(/^\d+\.\d+\.\d+$/).optional(),
        data: z.record(z.string(), z.unknown()).optional(),
      })
      // Not strict: After Effects' own UXP plugins carry more here (e.g. dependencies alongside
      // host), and a manifest that follows AE's format must not be refused by our schema.
      .passthrough(),
    entrypoints: z
      .array(
        z
          .object({
            type: z.enum(["panel", "command"]),
            id: z.string().min(1),
            label: z.object({ default: z.string().min(1) }).catchall(z.string()),
            minimumSize: Size.optional(),
            maximumSize: Size.optional(),
            preferredDockedSize: Size.optional(),
            preferredFloatingSize: Size.optional(),
            icons: z.array(ManifestIcon).optional(),
          })
          .strict(),
      )
      .min(1),
    requiredPermissions: z
      .object({
        network: z.object({ domains: z.union([z.literal("all"), z.array(Origin)]) }).strict().optional(),
        localFileSystem: z.enum(["plugin", "request", "fullAccess"]).optional(),
        clipboard: z.enum(["read", "readAndWrite"]).optional(),
        webview: z
          .object({
            allow: z.literal("yes"),
            domains: z.union([z.literal("all"), z.array(Origin)]),
            allowLocalRendering: z.literal("yes").optional(),
            enableMessageBridge: z.enum(["no", "localOnly", "localAndRemote"]).optional(),
          })
          .strict()
          .optional(),
        launchProcess: z.object({ schemes: z.array(z.string()), extensions: z.array(z.string()) }).strict().optional(),
        ipc: z.object({ enablePluginCommunication: z.boolean() }).strict().optional(),
        allowCodeGenerationFromStrings: z.boolean().optional(),
        enableUserInfo: z.boolean().optional(),
        enableAddon: z.boolean().optional(),
      })
      .strict(),
    icons: z.array(ManifestIcon).optional(),
    featureFlags: z.record(z.string(), z.boolean()).optional(),
    /** After Effects' bundled plugins declare e.g. { dvascripting, dvauxpui } (host-audit 14). */
    dependencies: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ManifestV5 = z.infer<typeof ManifestV5>;

/** Retake's own rules on top of the format: what this plugin must (and must not) ask for. */
export function retakeManifestProblems(m: ManifestV5): string[] {
  const problems: string[] = [];
  const p = m.requiredPermissions;
  const target = HOST_TARGETS[m.host.app as HostApp] as (typeof HOST_TARGETS)[HostApp] | undefined;
  if (!target) problems.push(`host.app must be one of ${HOST_APPS.map((h) => `"${h}"`).join(", ")} (got ${m.host.app})`);
  else if (m.id !== target.id) problems.push(`a ${target.label} plugin's id is "${target.id}" (got ${m.id})`);
  if (p.network?.domains === "all" || p.webview?.domains === "all") problems.push("network/webview domains must name the backend, not \"all\"");
  const domains = p.network?.domains === "all" ? [] : (p.network?.domains ?? []);
  const twinPort = /^https:\/\/[^/]+:(\d+)$/.exec(domains[1] ?? "")?.[1];
  const loopbackPair = domains.length === 2 && backendDomains(domains[0]!, twinPort ? Number(twinPort) : undefined).join(" ") === domains.join(" ");
  if (domains.length !== 1 && !loopbackPair) problems.push("network.domains must list exactly the configured backend (for loopback http, it and its https twin on the next port)");
  // Media is written with fs to file: paths (beside the project, or a picked folder's native
  // path), which Adobe documents as needing "fullAccess" (ppro-docs filesystem-operations:92).
  if (p.localFileSystem !== "fullAccess") problems.push('localFileSystem must be "fullAccess" (takes are written to file: paths beside the project)');
  if (p.webview?.allowLocalRendering !== "yes" || p.webview?.enableMessageBridge !== "localOnly") {
    problems.push('webview needs allowLocalRendering "yes" and enableMessageBridge "localOnly"');
  }
  if (!m.entrypoints.some((e) => e.type === "panel" && e.minimumSize && e.preferredDockedSize)) problems.push("a panel entrypoint with minimum and preferred sizes is required");
  return problems;
}

/** Parse and check (for one host when `host` is given); throws one readable error listing every problem. */
export function validateManifest(raw: unknown, host?: HostApp): ManifestV5 {
  const parsed = ManifestV5.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`manifest.json is not a valid UXP v5 manifest:\n${parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`);
  }
  const problems = retakeManifestProblems(parsed.data);
  if (host && parsed.data.host.app !== host) problems.push(`this is a ${parsed.data.host.app} manifest, not a ${host} one`);
  if (problems.length > 0) throw new Error(`manifest.json breaks Retake's rules:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  return parsed.data;
}

/** The backend's origin from a URL ("http://127.0.0.1:5177/x" → "http://127.0.0.1:5177"). */
export function backendOrigin(url: string): string {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`RETAKE_BACKEND_URL must be http(s); got ${url}`);
  return u.origin;
}

/**
 * The origins the plugin may reach for a backend URL: that origin, and for a loopback http
 * backend also its HTTPS twin (`retake cert`) on the next port or on `httpsPort`
 * (RETAKE_HTTPS_PORT), which the panel falls back to where the host refuses http:// (Premiere on
 * macOS; src/host/uxp/backendRoute.ts).
 */
export function backendDomains(origin: string, httpsPort?: number): string[] {
  const m = /^http:\/\/(127\.0\.0\.1|localhost):(\d+)$/i.exec(origin);
  return m ? [origin, `https://${m[1]}:${httpsPort ?? Number(m[2]) + 1}`] : [origin];
}

/**
 * The committed manifest (Premiere's) for a host: After Effects gets its own id and host, with
 * the same entry points, permissions and icons.
 */
export function manifestForHost(source: unknown, host: HostApp): ManifestV5 {
  const base = validateManifest(source, "premierepro");
  const target = HOST_TARGETS[host];
  return validateManifest({ ...base, id: target.id, host: { app: host, minVersion: target.minVersion } }, host);
}

/** The shipped manifest: committed one, for the host, + version + the configured backend's origin. */
export function prepareManifest(source: unknown, opts: { version: string; backendUrl: string; httpsPort?: number; host?: HostApp }): ManifestV5 {
  const host = opts.host ?? "premierepro";
  const base = manifestForHost(source, host);
  const domains = backendDomains(backendOrigin(opts.backendUrl), opts.httpsPort);
  const webview = base.requiredPermissions.webview;
  const requiredPermissions = {
    ...base.requiredPermissions,
    network: { domains },
    ...(webview ? { webview: { ...webview, domains } } : {}),
  };
  return validateManifest({ ...base, version: opts.version, requiredPermissions }, host);
}

/** Every icon file the manifest names, with UXP's @1x/@2x names when a scale list is given. */
export function iconFiles(m: ManifestV5): { path: string; width: number; height: number }[] {
  const icons = [...(m.icons ?? []), ...m.entrypoints.flatMap((e) => e.icons ?? [])];
  return icons.flatMap((icon) =>
    (icon.scale ?? [1]).map((s) => ({
      path: icon.scale ? icon.path.replace(/(\.[a-z]+)$/i, `@${s}x$1`) : icon.path,
      width: Math.round(icon.width * s),
      height: Math.round(icon.height * s),
    })),
  );
}
