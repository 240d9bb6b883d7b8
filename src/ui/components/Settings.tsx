import { useId, useState, type FormEvent } from "react";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { useHostBridge } from "../hooks/useHostBridge.js";
import { hostWords } from "../hostWords.js";
import { JudgeSetting } from "./JudgeSetting.js";
import { StudioService } from "./StudioService.js";
import { usePanelStore } from "../state/createPanelStore.js";

/** Secure-storage keys the host reads the backend connection from (src/host/uxp/backendSettings.ts). */
const BACKEND_URL_KEY = "backend.url";
const BACKEND_TOKEN_KEY = "backend.token";

type Status = { kind: "idle" | "saving" | "saved" | "error"; message?: string };

/**
 * Backend URL and token, kept by the host in its secure storage (UXP secureStorage in Premiere and After Effects).
 * That storage is tied to the OS user account and documented as a cache that can be lost, so the
 * panel says plainly that keys may need entering again. Saving reconnects the panel.
 *
 * It opens its own bridge client (useHostBridge).
 */
export function Settings() {
  const urlId = useId();
  const tokenId = useId();
  const controller = usePanelController();
  const [url, setUrl] = useState("");
  const [token, setToken] = useState("");
  const [hasToken, setHasToken] = useState(false);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const words = hostWords(usePanelStore((s) => s.hostContext?.host));

  const { bridge, available } = useHostBridge(async (client, stillMounted) => {
    try {
      const [savedUrl, current, savedToken] = await Promise.all([
        client.call("host.secrets.get", { key: BACKEND_URL_KEY }),
        client.call("host.backend"),
        client.call("host.secrets.get", { key: BACKEND_TOKEN_KEY }),
      ]);
      if (!stillMounted()) return;
      setUrl(savedUrl.value ?? current.url);
      setHasToken(Boolean(savedToken.value));
    } catch (error) {
      if (stillMounted()) setStatus({ kind: "error", message: error instanceof Error ? error.message : String(error) });
    }
  });

  async function save(event: FormEvent) {
    event.preventDefault();
    const client = bridge.current;
    if (!client) return;
    setStatus({ kind: "saving" });
    try {
      const cleanUrl = url.trim();
      if (cleanUrl) new URL(cleanUrl); // a clear message now rather than a failed connect later
      await client.call("host.secrets.set", { key: BACKEND_URL_KEY, value: cleanUrl || null });
      if (token) await client.call("host.secrets.set", { key: BACKEND_TOKEN_KEY, value: token });
      setHasToken(hasToken || Boolean(token));
      setToken("");
      setStatus({ kind: "saved", message: "Saved. Reconnecting…" });
      await controller.connect();
    } catch (error) {
      setStatus({ kind: "error", message: error instanceof TypeError ? `"${url}" is not a URL.` : error instanceof Error ? error.message : String(error) });
    }
  }

  /** Imported takes go into this folder; the host remembers it (a UXP persistent token). */
  async function pickMediaFolder() {
    const client = bridge.current;
    if (!client) return;
    try {
      const { path } = await client.call("host.pickMediaFolder");
      setStatus(path ? { kind: "saved", message: `Takes will be imported into ${path}.` } : { kind: "idle" });
    } catch (error) {
      setStatus({ kind: "error", message: error instanceof Error ? error.message : String(error) });
    }
  }

  async function forgetToken() {
    const client = bridge.current;
    if (!client) return;
    await client.call("host.secrets.set", { key: BACKEND_TOKEN_KEY, value: null });
    setHasToken(false);
    setStatus({ kind: "saved", message: "Token removed." });
  }

  if (!available) return null;
  return (
    <details className="settings">
      <summary className="section-title">Settings</summary>
      <form className="direction-form" onSubmit={save}>
        <div className="field">
          <label htmlFor={urlId}>Backend URL</label>
          <input id={urlId} type="url" value={url} placeholder="http://127.0.0.1:5177" onChange={(e) => setUrl(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={tokenId}>Backend token {hasToken ? "(saved)" : ""}</label>
          <input
            id={tokenId}
            type="password"
            autoComplete="off"
            value={token}
            placeholder={hasToken ? "•••••• (leave empty to keep)" : "from the file \"token\" in the backend's data dir"}
            onChange={(e) => setToken(e.target.value)}
          />
        </div>
        <div className="field-row">
          <button type="submit" className="button-primary" disabled={status.kind === "saving"}>
            Save
          </button>
          <button type="button" onClick={() => void pickMediaFolder()}>
            Media folder…
          </button>
          {hasToken && (
            <button type="button" className="link-button" onClick={() => void forgetToken()}>
              Forget token
            </button>
          )}
        </div>
        {status.message && (
          <p className={status.kind === "error" ? "hint text-warning" : "hint"} role={status.kind === "error" ? "alert" : "status"}>
            {status.message}
          </p>
        )}
        <p className="hint">
          Keys are kept in your OS account's secure storage. After an OS account change, a reinstall or a move to another
          machine they may be gone: enter them again here. In {words.app} the plugin can only reach the backend its
          manifest allows (set when the plugin is built).
        </p>
      </form>
      <StudioService />
      <JudgeSetting />
    </details>
  );
}
