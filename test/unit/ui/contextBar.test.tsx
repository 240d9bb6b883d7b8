import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { SequenceContext } from "../../../src/core/schemas/index.js";
import { ContextBar } from "../../../src/ui/components/ContextBar.js";
import { createPanelController } from "../../../src/ui/controller/createPanelController.js";
import { PanelControllerContext } from "../../../src/ui/controller/PanelControllerContext.js";
import { createPanelStore, PanelStoreContext } from "../../../src/ui/state/createPanelStore.js";
import { frame } from "./fixtures.js";

/** The context bar as the panel renders it for a host context (text only: no browser needed). */
function render(context: SequenceContext): string {
  // The context as the initial state: server rendering reads the store's initial snapshot.
  const store = createPanelStore({ hostContext: context });
  const controller = createPanelController({ bridge: null, store });
  const html = renderToStaticMarkup(
    <PanelStoreContext.Provider value={store}>
      <PanelControllerContext.Provider value={controller}>
        <ContextBar />
      </PanelControllerContext.Provider>
    </PanelStoreContext.Provider>,
  );
  controller.dispose();
  // Markup → the words an editor reads.
  return html.replace(/<option[^>]*>/g, "[").replace(/<\/option>/g, "]").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").replace(/&#x27;/g, "'").trim();
}

describe("context bar: the sequence's color space", () => {
  it("a color space the host could not read is shown as a guess, with the question and the choices", () => {
    const text = render({ ...frame.sequence, host: "premierepro", colorSpaceAssumed: true });
    expect(text).toContain("Rec.709 SDR?");
    expect(text).toContain("Premiere cannot tell Retake this sequence's color space, so takes are made for Rec.709 SDR. If the sequence is HDR, say which:");
    expect(text).toContain("[Choose…][Rec.709 SDR][Rec.2100 PQ][Rec.2100 HLG]");
  });

  it("in After Effects it speaks of the composition", () => {
    expect(render({ ...frame.sequence, host: "aftereffects", colorSpaceAssumed: true })).toContain("After Effects cannot tell Retake this composition's color space");
  });

  it("a color space the host knows is shown as fact, with no question", () => {
    const text = render({ ...frame.sequence, host: "premierepro", colorSpace: "rec2100-pq" });
    expect(text).toContain("Rec.2100 PQ");
    expect(text).not.toMatch(/\?|cannot tell/);
  });
});
