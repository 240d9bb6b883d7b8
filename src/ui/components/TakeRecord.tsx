import { useState, type MouseEvent } from "react";
import type { Artifact, Take } from "../../core/schemas/index.js";
import { withoutToken } from "../controller/createPanelController.js";
import { messageOf } from "../controller/errors.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { formatBytes, formatCost } from "../format.js";
import { soundInWords } from "../soundWords.js";

const OUTPUT_LABEL: Record<Artifact["kind"], string> = {
  master: "Master",
  proxy: "Proxy",
  poster: "Poster",
  exr: "EXR",
  source: "Provider's file",
};

/**
 * A take's record as the ledger keeps it (the history shows it): the request exactly as sent to
 * the provider, its cost, and every output file with its size, codec and a link. The request is
 * folded away: it can be long.
 */
export function TakeRecord({ take, name }: { take: Take; name: string }) {
  const controller = usePanelController();
  const outputs = Object.values(take.outputs).filter((a): a is Artifact => a !== undefined);
  const [linkError, setLinkError] = useState<string | null>(null);
  // A UXP webview does not follow target="_blank": ask the host to open the browser, and open
  // the link here where no host offers that (the panel page opened alone). Either way the browser
  // gets a short-lived signed link, never the token.
  const openLink = (event: MouseEvent<HTMLAnchorElement>, artifact: Artifact) => {
    event.preventDefault();
    setLinkError(null);
    controller.openArtifact(artifact.id).then(
      ({ url, opened }) => {
        if (!opened) window.open(url, "_blank", "noopener,noreferrer");
      },
      (error: unknown) => setLinkError(`${artifact.fileName} did not open: ${messageOf(error)}`),
    );
  };
  return (
    <div className="take-record">
      <p className="small muted">
        Cost {formatCost(take.cost)}
        {take.cost.estimated ? " (estimated)" : ""}
        {take.attempt ? ` · sent ${take.attempt + 1} times` : ""}
        {take.providerJobId ? ` · provider job ${take.providerJobId}` : ""}
      </p>
      {outputs.length > 0 && (
        <ul className="take-outputs small" aria-label={`${name} outputs`}>
          {outputs.map((artifact) => {
            const url = controller.artifactUrl(artifact.id);
            return (
              <li key={artifact.id}>
                {OUTPUT_LABEL[artifact.kind]}:{" "}
                {/* href without the token: "Copy link address" must not carry it (clicks sign a link). */}
                {url ? (
                  <a href={withoutToken(url)} target="_blank" rel="noreferrer" onClick={(event) => openLink(event, artifact)}>
                    {artifact.fileName}
                  </a>
                ) : (
                  artifact.fileName
                )}
                <span className="muted">
                  {" "}
                  · {formatBytes(artifact.bytes)}
                  {artifact.width && artifact.height ? ` · ${artifact.width}×${artifact.height}` : ""}
                  {artifact.codec ? ` · ${artifact.codec}` : ""}
                  {artifact.audio ? ` · sound ${soundInWords(artifact.audio)}` : ""}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {linkError && (
        <p className="small error" role="alert">
          {linkError}
        </p>
      )}
      <details className="take-request">
        <summary>Request as sent</summary>
        <pre>{JSON.stringify(take.request, null, 2) ?? "(none recorded)"}</pre>
      </details>
    </div>
  );
}
