import { useEffect, useRef } from "react";

/**
 * Call `poll` every `intervalMs` while the page is visible (Premiere has no playhead event, so
 * the panel polls; a hidden panel should cost nothing). Polls again as soon as it reappears.
 */
export function useVisiblePolling(poll: () => unknown, intervalMs: number, enabled = true) {
  const pollRef = useRef(poll);
  pollRef.current = poll;

  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setInterval> | null = null;
    const start = () => {
      if (timer) return;
      void pollRef.current();
      timer = setInterval(() => void pollRef.current(), intervalMs);
    };
    const stop = () => {
      if (timer) clearInterval(timer);
      timer = null;
    };
    const onVisibility = () => (document.visibilityState === "visible" ? start() : stop());
    onVisibility();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [intervalMs, enabled]);
}
