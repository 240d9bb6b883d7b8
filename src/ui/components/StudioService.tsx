import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { createBackendClient, type Pairing } from "../api/backendClient.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { signInFailureWords, waitForSignIn } from "../controller/studioSignIn.js";
import { useHostBridge } from "../hooks/useHostBridge.js";
import { usePanelStore, usePanelStoreApi } from "../state/createPanelStore.js";

/**
 * Team mode in the panel (docs/team.md "Signing in and tokens"): the studio service's URL, then
 * signing in to it, by the browser (a pairing: the system browser signs in at the studio's
 * identity provider while the panel waits for the token) or with a token an admin issued.
 *
 * The service is the backend the panel and the host talk to, so its URL and the token go to the
 * same secure-storage keys the host reads (`backend.url`, `backend.token`); `studio.url` marks
 * that the backend is a studio service. Without it the panel is in embedded mode and this part
 * shows only the URL field.
 */
export const STUDIO_URL_KEY = "studio.url";
const BACKEND_URL_KEY = "backend.url";
const BACKEND_TOKEN_KEY = "backend.token";
/** This machine's backend token, kept aside while a studio service is set. */
const EMBEDDED_TOKEN_KEY = "embedded.token";

type Phase =
  | { kind: "loading" }
  | { kind: "signedOut" }
  | { kind: "pairing"; pairing: Pairing }
  | { kind: "signedIn"; name: string; admin: boolean };

/** `prompt`: shown above the work when the service refused the token; only the ways to sign in. */
export function StudioService({ prompt = false }: { prompt?: boolean }) {
  const urlId = useId();
  const tokenId = useId();
  const controller = usePanelController();
  const store = usePanelStoreApi();
  const signInNeeded = usePanelStore((s) => s.signInNeeded);
  const pairingAbort = useRef<AbortController | null>(null);
  const [savedUrl, setSavedUrl] = useState("");
  const [url, setUrl] = useState("");
  const [pasted, setPasted] = useState("");
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  const { bridge, available } = useHostBridge(async (client, stillMounted) => {
    try {
      const [studio, token] = await Promise.all([
        client.call("host.secrets.get", { key: STUDIO_URL_KEY }),
        client.call("host.secrets.get", { key: BACKEND_TOKEN_KEY }),
      ]);
      if (!stillMounted()) return;
      setSavedUrl(studio.value ?? "");
      setUrl(studio.value ?? "");
      if (studio.value && token.value) await showWhoIsSignedIn(studio.value, token.value);
      else if (stillMounted()) setPhase({ kind: "signedOut" });
    } catch (error) {
      if (stillMounted()) setMessage({ error: true, text: error instanceof Error ? error.message : String(error) });
    }
  });
  // A sign-in still waiting for the browser stops with the part.
  useEffect(() => () => pairingAbort.current?.abort(), []);

  // The service refused the token (revoked, say): both this part and the prompt offer a new
  // sign-in; once the editor has signed in again (in either), both show who. The service URL is
  // read again: it may have been saved in the other part meanwhile.
  useEffect(() => {
    const client = bridge.current;
    if (!client) return;
    let current = true;
    void (async () => {
      const [studio, token] = await Promise.all([
        client.call("host.secrets.get", { key: STUDIO_URL_KEY }),
        client.call("host.secrets.get", { key: BACKEND_TOKEN_KEY }),
      ]);
      if (!current) return;
      setSavedUrl(studio.value ?? "");
      if (signInNeeded) setPhase((p) => (p.kind === "pairing" ? p : { kind: "signedOut" }));
      else if (studio.value && token.value) await showWhoIsSignedIn(studio.value, token.value);
    })().catch(() => undefined);
    return () => {
      current = false;
    };
  }, [signInNeeded]);

  /** Asks the service who the saved token belongs to; a refused token shows the ways to sign in. */
  async function showWhoIsSignedIn(serviceUrl: string, token: string) {
    try {
      const user = await createBackendClient({ url: serviceUrl, token }).me();
      setPhase({ kind: "signedIn", name: user.name, admin: user.admin });
    } catch (error) {
      setPhase({ kind: "signedOut" });
      setMessage({ error: true, text: signInFailureWords(error) });
    }
  }

  async function saveUrl(event: FormEvent) {
    event.preventDefault();
    const client = bridge.current;
    if (!client) return;
    const clean = url.trim().replace(/\/+$/, "");
    try {
      if (clean) new URL(clean);
    } catch {
      return setMessage({ error: true, text: `"${url}" is not a URL (e.g. https://retake.studio.example).` });
    }
    if (clean === savedUrl) return setMessage({ error: false, text: "Saved." });
    // The token belongs to the backend it was made for: moving to a service keeps this machine's
    // backend token aside (and moving back restores it); another service's token means nothing here.
    const current = (await client.call("host.secrets.get", { key: BACKEND_TOKEN_KEY })).value;
    if (!savedUrl) await client.call("host.secrets.set", { key: EMBEDDED_TOKEN_KEY, value: current });
    const embedded = clean ? null : (await client.call("host.secrets.get", { key: EMBEDDED_TOKEN_KEY })).value;
    await client.call("host.secrets.set", { key: STUDIO_URL_KEY, value: clean || null });
    await client.call("host.secrets.set", { key: BACKEND_URL_KEY, value: clean || null });
    await client.call("host.secrets.set", { key: BACKEND_TOKEN_KEY, value: embedded });
    if (!clean) await client.call("host.secrets.set", { key: EMBEDDED_TOKEN_KEY, value: null });
    store.getState().setSignInNeeded(null);
    setSavedUrl(clean);
    setPhase({ kind: "signedOut" });
    setMessage(clean ? { error: false, text: "Saved. Sign in to the studio service." } : { error: false, text: "No studio service: the panel works with the backend on this machine." });
    await controller.connect();
  }

  /** The token is kept in secure storage (as the token field in Settings does), then the panel reconnects with it. */
  async function keepToken(token: string, who?: { name: string; admin: boolean }) {
    const client = bridge.current;
    if (!client) return;
    await client.call("host.secrets.set", { key: BACKEND_TOKEN_KEY, value: token });
    store.getState().setSignInNeeded(null);
    if (who) setPhase({ kind: "signedIn", ...who });
    else await showWhoIsSignedIn(savedUrl, token);
    await controller.connect();
  }

  async function signInWithBrowser() {
    setMessage(null);
    const service = createBackendClient({ url: savedUrl });
    const abort = new AbortController();
    pairingAbort.current?.abort();
    pairingAbort.current = abort;
    try {
      const pairing = await service.startPairing();
      setPhase({ kind: "pairing", pairing });
      const opened = await controller.openExternal(pairing.signInUrl, "signIn");
      if (!opened) setMessage({ error: false, text: `Open ${pairing.signInUrl} in your browser to sign in.` });
      const signedIn = await waitForSignIn(service, pairing.code, abort.signal);
      setMessage(null);
      await keepToken(signedIn.token, signedIn.user);
    } catch (error) {
      if (abort.signal.aborted) return;
      setPhase({ kind: "signedOut" });
      setMessage({ error: true, text: signInFailureWords(error) });
    } finally {
      if (pairingAbort.current === abort) pairingAbort.current = null;
    }
  }

  function cancelSignIn() {
    pairingAbort.current?.abort();
    pairingAbort.current = null;
    setPhase({ kind: "signedOut" });
    setMessage({ error: false, text: "Sign-in cancelled." });
  }

  async function submitPastedToken(event: FormEvent) {
    event.preventDefault();
    const token = pasted.trim();
    if (!token) return;
    setPasted("");
    setMessage(null);
    try {
      const user = await createBackendClient({ url: savedUrl, token }).me();
      await keepToken(token, { name: user.name, admin: user.admin });
    } catch (error) {
      setMessage({ error: true, text: signInFailureWords(error) });
    }
  }

  async function signOut() {
    const client = bridge.current;
    if (!client) return;
    await client.call("host.secrets.set", { key: BACKEND_TOKEN_KEY, value: null });
    setPhase({ kind: "signedOut" });
    setMessage({
      error: false,
      text: "Signed out on this machine. The token itself keeps working until an admin revokes it (the admin page, or `retake token revoke`): ask them if this machine may be lost or shared.",
    });
    await controller.connect();
  }

  if (!available || (prompt && !savedUrl)) return null;
  const signInActions = phase.kind === "signedOut" && savedUrl && (
    <>
      <div className="field-row">
        <button type="button" className="button-primary" onClick={() => void signInWithBrowser()}>
          Sign in with your studio account
        </button>
      </div>
      <form className="field" onSubmit={submitPastedToken}>
        <label htmlFor={tokenId}>Token from your admin</label>
        <div className="field-row">
          <input id={tokenId} type="password" autoComplete="off" value={pasted} placeholder="rtk_…" onChange={(e) => setPasted(e.target.value)} />
          <button type="submit" disabled={!pasted.trim()}>
            Use token
          </button>
        </div>
      </form>
    </>
  );
  const body = (
    <>
      {phase.kind === "signedIn" && (
        <div className="field-row">
          <p className="hint" role="status">
            Signed in as {phase.name}
            {phase.admin ? " (admin)" : ""}
          </p>
          <button type="button" className="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      )}
      {signInActions}
      {phase.kind === "pairing" && (
        <div className="sign-in-pairing" role="status">
          <p>
            Confirmation code: <strong aria-label="Confirmation code">{phase.pairing.confirmation}</strong>
          </p>
          <p className="hint">
            Your browser shows the same code before and after you sign in. Continue there only if the codes match. Waiting for
            you to sign in in the browser…
          </p>
          <button type="button" onClick={cancelSignIn}>
            Cancel
          </button>
        </div>
      )}
      {message && (
        <p className={message.error ? "hint text-warning" : "hint"} role={message.error ? "alert" : "status"}>
          {message.text}
        </p>
      )}
    </>
  );

  if (prompt) {
    if (!signInNeeded) return null;
    return (
      <section className="sign-in-prompt" aria-label="Sign in again">
        <p className="text-warning">
          {signInNeeded.message} Your drawing, prompt and takes are kept: sign in again to carry on.
        </p>
        {body}
      </section>
    );
  }
  return (
    <fieldset className="studio-service">
      <legend>Studio service</legend>
      <form className="field" onSubmit={saveUrl}>
        <label htmlFor={urlId}>Service URL</label>
        <div className="field-row">
          <input id={urlId} type="url" value={url} placeholder="empty: this machine's backend" onChange={(e) => setUrl(e.target.value)} />
          <button type="submit">Save</button>
        </div>
      </form>
      {savedUrl && body}
      {!savedUrl && message && <p className="hint">{message.text}</p>}
    </fieldset>
  );
}
