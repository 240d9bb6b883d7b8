import { useEffect, useRef, useState, type RefObject } from "react";
import type { BridgeClient } from "../../core/bridge/index.js";
import { waitForHost } from "../bridge/transport.js";

/**
 * A bridge client of the component's own to the host (Premiere, After Effects), for a part of
 * the panel that reads and writes the host's secure storage: replies are matched by request id,
 * so two clients on the same channel never take each other's answers.
 *
 * It waits for the host as the panel does at start (a UXP shell may inject itself after the page
 * loads), then calls `onOpen` once with the client; `stillMounted()` turns false when the
 * component goes, so a late answer is not written into a part that is gone. `available` stays
 * false in a browser with no host: such parts show nothing there. The client is closed on unmount.
 */
export function useHostBridge(onOpen: (client: BridgeClient, stillMounted: () => boolean) => Promise<void> | void): {
  bridge: RefObject<BridgeClient | null>;
  available: boolean;
} {
  const bridge = useRef<BridgeClient | null>(null);
  const [available, setAvailable] = useState(false);
  // The host is waited for once per mount; the callback is the latest render's when it answers.
  const open = useRef(onOpen);
  open.current = onOpen;

  useEffect(() => {
    let mounted = true;
    void (async () => {
      const client = await waitForHost();
      if (!mounted || !client) return client?.dispose();
      bridge.current = client;
      setAvailable(true);
      await open.current(client, () => mounted);
    })();
    return () => {
      mounted = false;
      bridge.current?.dispose();
      bridge.current = null;
    };
  }, []);

  return { bridge, available };
}
