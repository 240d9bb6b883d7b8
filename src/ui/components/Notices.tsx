import { useShallow } from "zustand/react/shallow";
import { usePanelStore } from "../state/createPanelStore.js";

/**
 * Errors from anything (host, backend, stream) in one alert region with the human message,
 * and informational notices in a status region. Each can be dismissed.
 */
export function Notices() {
  const errors = usePanelStore(useShallow((s) => s.notices.filter((n) => n.kind === "error")));
  const infos = usePanelStore(useShallow((s) => s.notices.filter((n) => n.kind === "info")));
  const dismiss = usePanelStore((s) => s.dismiss);

  return (
    <>
      {errors.length > 0 && (
        <div className="notices notices-error" role="alert">
          {errors.map((notice) => (
            <div key={notice.id} className="notice">
              <span className="notice-text">{notice.message}</span>
              <button type="button" className="icon-button" onClick={() => dismiss(notice.id)} title="Dismiss">
                <span aria-hidden="true">×</span>
                <span className="visually-hidden">Dismiss</span>
              </button>
            </div>
          ))}
        </div>
      )}
      {infos.length > 0 && (
        <div className="notices notices-info" role="status">
          {infos.map((notice) => (
            <div key={notice.id} className="notice">
              <span className="notice-text">{notice.message}</span>
              <button type="button" className="icon-button" onClick={() => dismiss(notice.id)} title="Dismiss">
                <span aria-hidden="true">×</span>
                <span className="visually-hidden">Dismiss</span>
              </button>
            </div>
          ))}
        </div>
      )}
    </>
  );
}
