import { CUT_SNAP_SECONDS, findBridgeSpan } from "../../core/placement.js";
import type { BridgeSpan, SequenceContext, TrackClip, VideoTrack } from "../../core/schemas/index.js";
import { hostError, HostErrorCode } from "../uxp/errors.js";
import type { AeCompItem, AeLayer } from "./types.js";

/**
 * Bridge in After Effects: A and B are two layers of the active composition (each layer is a
 * track of its own), A ending where the bridge starts and B starting where it ends. With two
 * layers selected those are A and B (in time order); otherwise the layer that ends last at or
 * before the current time and the one that starts first after it. Both are laid on one virtual
 * track and handed to core's findBridgeSpan, so the span follows the same rule as in Premiere;
 * `trackIndex` is then the higher of the two layers' tracks.
 */
export function findCompBridge(comp: AeCompItem, context: SequenceContext, bridgeSeconds?: number): { span: BridgeSpan; above: AeLayer } {
  const entries = context.videoTracks.flatMap((t) => t.clips.map((c) => ({ track: t.index, clip: c })));
  const at = comp.time;
  const selected = comp.selectedLayers ?? [];
  let pair: Array<{ track: number; clip: TrackClip }>;
  if (selected.length === 2) {
    const count = comp.numLayers;
    pair = selected
      .map((layer) => ({ track: count - layer.index, clip: { name: layer.name, start: layer.inPoint, end: layer.outPoint } }))
      .sort((x, y) => x.clip.start - y.clip.start);
  } else {
    const a = entries.filter((e) => e.clip.end <= at + CUT_SNAP_SECONDS + 1e-6).sort((x, y) => y.clip.end - x.clip.end)[0];
    const b = entries.filter((e) => e !== a && e.clip.start >= (a?.clip.end ?? at) - 1e-6).sort((x, y) => x.clip.start - y.clip.start)[0];
    pair = a && b ? [a, b] : [];
  }
  if (pair.length !== 2) {
    throw hostError(HostErrorCode.noPlacement, "Bridge needs two layers: select the layer the bridge starts from and the one it ends on (or park the current time between them), then capture.");
  }
  const [a, b] = pair as [{ track: number; clip: TrackClip }, { track: number; clip: TrackClip }];
  const virtual: VideoTrack[] = [{ index: 0, name: "bridge", clips: [a.clip, b.clip] }];
  // Park inside the gap, or on the cut, so the shared rule finds this pair whatever the CTI says.
  const parkAt = a.clip.end < b.clip.start ? (a.clip.end + b.clip.start) / 2 : a.clip.end;
  let span: BridgeSpan;
  try {
    span = findBridgeSpan(virtual, parkAt, context.frameRate, bridgeSeconds);
  } catch (error) {
    throw hostError(HostErrorCode.noPlacement, `${(error as Error).message} (layers "${a.clip.name}" and "${b.clip.name}").`);
  }
  const trackIndex = Math.max(a.track, b.track);
  const count = comp.numLayers;
  const above = comp.layer(count - trackIndex);
  return { span: { ...span, trackIndex }, above };
}

/** Import: the bridge goes at the span's start, above the higher of A's and B's layers (found by name). */
export function bridgeLayerPlan(comp: AeCompItem, span: BridgeSpan | undefined): { start: number; above?: AeLayer } {
  if (!span) throw hostError(HostErrorCode.noPlacement, "This take was not made as a bridge: import it with Insert or Extend.");
  const layers = Array.from({ length: comp.numLayers }, (_, i) => comp.layer(i + 1));
  const anchors = layers.filter((l) => l.name === span.a.name || l.name === span.b.name).sort((x, y) => x.index - y.index);
  return anchors[0] ? { start: span.start, above: anchors[0] } : { start: span.start };
}
