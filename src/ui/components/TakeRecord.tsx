import type { Artifact, Take } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { formatBytes, formatCost } from "../format.js";

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
                {url ? (
                  <a href={url} target="_blank" rel="noreferrer">
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
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <details className="take-request">
        <summary>Request as sent</summary>
        <pre>{JSON.stringify(take.request, null, 2) ?? "(none recorded)"}</pre>
      </details>
    </div>
  );
}
