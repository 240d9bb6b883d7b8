import { http, HttpResponse } from "msw";
import type { SetupServer } from "msw/node";
import { LUMA_BASE, LUMA_CDN, makeVideo } from "../contract/providerHarness.js";

/** A Luma whose generation completes and whose master download is held until released (a slow download). */
export interface HeldLuma {
  /** Status polls answered. */
  polls: number;
  /** Resolves when the first download of the master has begun (the provider had finished). */
  downloading: Promise<void>;
  /** Lets the held downloads answer. */
  release(): void;
}

/** Plays Luma on `server`: completes after `processingPolls` polls (never, with Infinity); serves the master only once released. */
export function heldLuma(server: Pick<SetupServer, "use">, generationId: string, processingPolls: number): HeldLuma {
  let started!: () => void;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const fake: HeldLuma = { polls: 0, downloading: new Promise<void>((resolve) => (started = resolve)), release };
  const master = `${LUMA_CDN}/${generationId}.mp4`;
  server.use(
    http.post(`${LUMA_BASE}/generations`, () => HttpResponse.json({ id: generationId, state: "queued" })),
    http.get(`${LUMA_BASE}/generations/${generationId}`, () => {
      fake.polls++;
      if (fake.polls <= processingPolls) return HttpResponse.json({ id: generationId, state: "processing" });
      return HttpResponse.json({ id: generationId, state: "completed", output: [{ type: "video", url: master }] });
    }),
    http.get(master, async () => {
      started();
      await released;
      return new HttpResponse(new Uint8Array(makeVideo("sdr")), { headers: { "content-type": "video/mp4" } });
    }),
  );
  return fake;
}
