import type { HarnessState } from "./harnessState.js";

/** The project's "Retake" bin: every take imported into the simulated project. */
export function ProjectBin({ bin, mediaFolder }: { bin: HarnessState["bin"]; mediaFolder: string }) {
  return (
    <section className="bin" aria-label="Project bin">
      <h2 className="pane-title">Project</h2>
      <div className="bin-folder">
        <span className="folder-icon" aria-hidden="true" />
        <span>{bin.name}</span>
        <span className="muted">
          {bin.items.length} {bin.items.length === 1 ? "item" : "items"}
        </span>
      </div>
      {bin.items.length === 0 ? (
        <p className="muted bin-empty">No takes imported yet. Import one from the Retake panel.</p>
      ) : (
        <ul className="bin-items">
          {bin.items.map((item) => (
            <li key={`${item.takeId}-${item.mediaPath}`} title={item.mediaPath} data-take-id={item.takeId}>
              <span className="bin-item-name">{item.name}</span>
              <span className="muted bin-item-take">take {item.takeId}</span>
            </li>
          ))}
        </ul>
      )}
      <p className="muted bin-footer" title={mediaFolder}>
        Media folder: <span className="mono">{mediaFolder}</span>
      </p>
    </section>
  );
}
