import { useEffect, useRef, type CSSProperties } from "react";
import { findShotUnderPlayhead } from "../../core/placement.js";
import type { SequenceColorSpace } from "../../core/schemas/color.js";
import { COLOR_SPACE_LABEL } from "../../core/schemas/color.js";
import type { HarnessState } from "./harnessState.js";
import { formatFps, frameDuration } from "./timecode.js";

const SEQUENCE_COLOR_SPACES: SequenceColorSpace[] = ["rec709", "rec2100-pq", "rec2100-hlg"];

export interface ProgramMonitorProps {
  state: HarnessState;
  playheadSeconds: number;
  timecode: string;
  colorSpace: SequenceColorSpace;
  maxSeconds: number;
  onScrub: (seconds: number) => void;
  onScrubEnd: () => void;
  onColorSpace: (colorSpace: SequenceColorSpace) => void;
}

/**
 * Premiere's Program monitor, simplified: the sample clip, paused and muted, sought to the frame
 * at the playhead. Imported takes are files on the backend's disk, not URLs, so the monitor names
 * them instead of playing them.
 */
export function ProgramMonitor(props: ProgramMonitorProps) {
  const { state, playheadSeconds } = props;
  const { sequence, sampleClip } = state;
  const videoRef = useRef<HTMLVideoElement>(null);
  const step = frameDuration(sequence.frameRate);

  const takePaths = new Set(state.bin.items.map((item) => item.mediaPath));
  const takeNames = new Set(state.bin.items.map((item) => item.name));
  const shot = findShotUnderPlayhead(sequence.videoTracks, playheadSeconds);
  const shotIsTake =
    shot !== undefined && (shot.clip.mediaPath ? takePaths.has(shot.clip.mediaPath) : takeNames.has(shot.clip.name));
  const showSample = shot !== undefined && !shotIsTake;
  // Half a frame in, so the browser lands on this frame rather than the end of the previous one.
  const sampleTime = showSample
    ? Math.min(Math.max(0, playheadSeconds - shot.clip.start + (shot.clip.sourceIn ?? 0) + step / 2), Math.max(0, sampleClip.duration - step / 2))
    : undefined;

  useEffect(() => {
    const video = videoRef.current;
    if (!video || sampleTime === undefined) return;
    const seek = () => {
      if (Math.abs(video.currentTime - sampleTime) > 1e-3) video.currentTime = sampleTime;
    };
    if (video.readyState >= HTMLMediaElement.HAVE_METADATA) seek();
    else video.addEventListener("loadedmetadata", seek, { once: true });
    return () => video.removeEventListener("loadedmetadata", seek);
  }, [sampleTime]);

  return (
    <section className="monitor" aria-label="Program monitor">
      <div className="monitor-head">
        <h2 className="pane-title">Program: {sequence.sequenceName}</h2>
        <dl className="sequence-facts">
          <div>
            <dt>Frame rate</dt>
            <dd>{formatFps(sequence.frameRate)} fps</dd>
          </div>
          <div>
            <dt>Frame size</dt>
            <dd>
              {sequence.frameSize.width} × {sequence.frameSize.height}
            </dd>
          </div>
          <div>
            <label htmlFor="sequence-color-space">Sequence color space</label>
            <select
              id="sequence-color-space"
              value={props.colorSpace}
              onChange={(event) => props.onColorSpace(event.target.value as SequenceColorSpace)}
            >
              {SEQUENCE_COLOR_SPACES.map((cs) => (
                <option key={cs} value={cs}>
                  {COLOR_SPACE_LABEL[cs]}
                </option>
              ))}
            </select>
          </div>
        </dl>
      </div>

      <div className="monitor-screen" style={{ "--frame-aspect": (sequence.frameSize.width * sequence.pixelAspect) / sequence.frameSize.height } as CSSProperties}>
        <div className="monitor-frame">
          <video
            ref={videoRef}
            src={sampleClip.url}
            muted
            playsInline
            preload="auto"
            disablePictureInPicture
            aria-label="Sequence frame"
            style={{ visibility: showSample ? "visible" : "hidden" }}
          />
          {!shot && <p className="monitor-caption">No clip at the playhead</p>}
          {shot && shotIsTake && (
            <p className="monitor-caption">
              V{shot.trackIndex + 1} · {shot.clip.name}
              <span className="muted">Imported take (the harness previews only the sample clip)</span>
            </p>
          )}
        </div>
      </div>

      <div className="transport">
        {/* A timer, not a live region: announcing every frame of a scrub would drown a screen reader. */}
        <span className="timecode mono" role="timer" aria-label="Timecode">
          {props.timecode}
        </span>
        <label className="playhead-label" htmlFor="playhead">
          Playhead
        </label>
        <input
          id="playhead"
          type="range"
          min={0}
          max={props.maxSeconds}
          step={step}
          value={playheadSeconds}
          aria-valuetext={props.timecode}
          onChange={(event) => props.onScrub(Number(event.target.value))}
          onPointerUp={props.onScrubEnd}
          onKeyUp={props.onScrubEnd}
        />
      </div>
    </section>
  );
}
