import { describe, expect, it } from "vitest";
import { createPanelTransport, detectEnvironment, waitForHost, type TransportWindow } from "../../../src/ui/bridge/transport.js";

/** A stand-in for `window`: an EventTarget that can receive `message` events from a source. */
function fakeWindow(extra: Partial<TransportWindow> = {}) {
  const target = new EventTarget();
  const win = {
    parent: undefined as unknown,
    addEventListener: (type: string, l: (e: MessageEvent) => void) => target.addEventListener(type, l as EventListener),
    removeEventListener: (type: string, l: (e: MessageEvent) => void) => target.removeEventListener(type, l as EventListener),
    ...extra,
  } as TransportWindow;
  const deliver = (data: unknown, source: unknown) => {
    const event = new MessageEvent("message", { data });
    Object.defineProperty(event, "source", { value: source });
    target.dispatchEvent(event);
  };
  return { win, deliver };
}

describe("panel transport", () => {
  it("talks to the UXP shell through window.uxpHost and accepts JSON strings", () => {
    const sent: unknown[] = [];
    const { win, deliver } = fakeWindow({ uxpHost: { postMessage: (m: unknown) => sent.push(m) } });
    win.parent = win;
    expect(detectEnvironment(win)).toBe("uxp");
    const transport = createPanelTransport(win)!;
    const received: unknown[] = [];
    const stop = transport.onMessage((m) => received.push(m));
    transport.send({ id: "1", method: "host.context", params: {} });
    deliver(JSON.stringify({ id: "1", result: { ok: true } }), null);
    deliver({ id: "2", result: 1 }, null);
    deliver("not json", null);
    stop();
    deliver({ id: "3", result: 1 }, null);
    expect(sent).toEqual([{ id: "1", method: "host.context", params: {} }]);
    expect(received).toEqual([{ id: "1", result: { ok: true } }, { id: "2", result: 1 }]);
  });

  it("in the harness iframe, posts to the parent and hears only the parent", () => {
    const posted: Array<[unknown, string]> = [];
    const parent = { postMessage: (m: unknown, origin: string) => posted.push([m, origin]) };
    const { win, deliver } = fakeWindow({ parent });
    expect(detectEnvironment(win)).toBe("harness");
    const transport = createPanelTransport(win)!;
    const received: unknown[] = [];
    transport.onMessage((m) => received.push(m));
    transport.send({ id: "1" });
    deliver({ id: "1", result: "from parent" }, parent);
    deliver({ id: "1", result: "from an extension" }, {});
    expect(posted).toEqual([[{ id: "1" }, "*"]]);
    expect(received).toEqual([{ id: "1", result: "from parent" }]);
  });

  it("has no transport when the page was opened on its own", () => {
    const { win } = fakeWindow();
    win.parent = win;
    expect(detectEnvironment(win)).toBe("none");
    expect(createPanelTransport(win)).toBeNull();
  });
});

describe("waitForHost", () => {
  it("picks up a UXP bridge injected shortly after the page loaded", async () => {
    const { win } = fakeWindow();
    win.parent = win;
    setTimeout(() => Object.assign(win, { uxpHost: { postMessage: () => {} } }), 150);
    expect(await waitForHost(win, 2000)).not.toBeNull();
  });

  it("gives up with null when no host appears", async () => {
    const { win } = fakeWindow();
    win.parent = win;
    expect(await waitForHost(win, 250)).toBeNull();
  });
});
