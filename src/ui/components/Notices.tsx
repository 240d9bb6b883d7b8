import { useShallow } from "zustand/react/shallow";
import { usePanelStore } from "../state/createPanelStore.js";

type Notice = { id: string; message: string };

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
      <NoticeList notices={errors} className="notices notices-error" role="alert" onDismiss={dismiss} />
      <NoticeList notices={infos} className="notices notices-info" role="status" onDismiss={dismiss} />
    </>
  );
}

/** One region of dismissible notices; rendered only when it has something to say. */
function NoticeList(props: { notices: Notice[]; className: string; role: "alert" | "status"; onDismiss: (id: string) => void }) {
  if (props.notices.length === 0) return null;
  return (
    <div className={props.className} role={props.role}>
      {props.notices.map((notice) => (
        <div key={notice.id} className="notice">
          <span className="notice-text">{notice.message}</span>
          <button type="button" className="icon-button" onClick={() => props.onDismiss(notice.id)} title="Dismiss">
            <span aria-hidden="true">×</span>
            <span className="visually-hidden">Dismiss</span>
          </button>
        </div>
      ))}
    </div>
  );
}
