/**
 * A take's sound track: what a file carries (probe) and how delivery writes it (ffmpeg args).
 *
 * Masters (.mov) get uncompressed PCM at 48 kHz, 24-bit little-endian (`pcm_s24le`):
 *  - 48 kHz is the rate Premiere and After Effects sequences run at, so nothing resamples the
 *    sound again on the timeline (providers hand back AAC at 44.1 or 48 kHz; we resample once).
 *  - 24-bit rather than 16: the provider's sound is almost always AAC, which decodes to float;
 *    16-bit would quantise it again (adding noise at −96 dBFS with no dither), 24-bit keeps it
 *    within the decoder's own precision. The cost is nothing next to the picture: stereo 24-bit
 *    48 kHz is 288 kB/s against about 27 MB/s for ProRes 422 HQ at 1080p.
 * Masters in .mp4 (HEVC HDR10) cannot hold PCM in the muxer Retake relies on, so they get AAC
 * at 48 kHz, 256 kb/s. Proxies get AAC at 128 kb/s, enough to judge a take in the card.
 *
 * Sync and length: the track is aligned on the picture's first frame (samples before it are
 * cut, a late start is padded with silence: `aresample first_pts=0`) and is made exactly the
 * picture's length, sample-exact (padded with silence where the picture holds its last frame,
 * trimmed with the picture where the take is cut short). A file with no sound gets no track:
 * Retake never invents a silent one.
 */
import type { Artifact } from "../../core/schemas/index.js";
import { ffprobeJson } from "./ffmpeg.js";

export type AudioInfo = NonNullable<Artifact["audio"]> & {
  /** Where the first sample sits relative to the file's timeline, in seconds (ffprobe start_time). */
  startTime: number;
  /** Seconds of sound, where the container says. */
  duration?: number;
};

export const MASTER_AUDIO_RATE = 48_000;
export const MASTER_PCM_CODEC = "pcm_s24le";

/** The first sound track of a file, or undefined when it has none (or cannot be read). */
export async function probeAudio(file: string, signal?: AbortSignal): Promise<AudioInfo | undefined> {
  const probe = await ffprobeJson<{ streams?: Array<Record<string, unknown>> }>(
    file,
    ["-select_streams", "a:0", "-show_entries", "stream=codec_name,sample_rate,channels,start_time,duration"],
    signal ? { signal } : {},
  );
  const s = probe.streams?.[0];
  if (!s) return undefined;
  const sampleRate = Number(s.sample_rate);
  const channels = Number(s.channels);
  if (!(sampleRate > 0) || !(channels > 0)) return undefined;
  const duration = Number(s.duration);
  return {
    codec: String(s.codec_name ?? "unknown"),
    sampleRate,
    channels,
    startTime: Number(s.start_time) || 0,
    ...(duration > 0 ? { duration } : {}),
  };
}

/** The part of an AudioInfo an artifact records. */
export const artifactAudio = (a: AudioInfo): NonNullable<Artifact["audio"]> => ({ codec: a.codec, sampleRate: a.sampleRate, channels: a.channels });

/** A master's track is already what delivery writes (PCM 48 kHz in a .mov). */
export const isMasterPcm = (a: AudioInfo | undefined): boolean => a !== undefined && a.codec === MASTER_PCM_CODEC && a.sampleRate === MASTER_AUDIO_RATE;

/**
 * The audio filter that makes a track exactly `seconds` long at 48 kHz, starting on the
 * picture's first frame; `tempo` (source seconds per output second) first changes its speed
 * without changing its pitch, for a retimed bridge.
 */
export function audioFitFilter(seconds: number, tempo?: number): string {
  const samples = Math.round(seconds * MASTER_AUDIO_RATE);
  const speed = tempo !== undefined && Math.abs(tempo - 1) > 1e-6 ? `atempo=${tempo.toFixed(6)},` : "";
  return `aresample=${MASTER_AUDIO_RATE}:first_pts=0,${speed}apad,atrim=end_sample=${samples},asetpts=N/SR/TB`;
}

/** ffmpeg output args for a master's sound track (`.mov`: PCM; `.mp4`: AAC). */
export function masterAudioArgs(container: "mov" | "mp4", seconds: number, tempo?: number): string[] {
  const codec = container === "mov" ? ["-c:a", MASTER_PCM_CODEC] : ["-c:a", "aac", "-b:a", "256k"];
  return ["-af", audioFitFilter(seconds, tempo), ...codec, "-ar", String(MASTER_AUDIO_RATE)];
}

/** ffmpeg output args for a proxy's sound track (AAC in the MP4, so the take card can play it). */
export const PROXY_AUDIO_ARGS = ["-c:a", "aac", "-b:a", "128k", "-ar", String(MASTER_AUDIO_RATE)];

/**
 * How an output with a sound track is cut to `frames` pictures. `-frames:v` would be exact, but
 * ffmpeg 5.x stops the whole output when the video stream reaches it, cutting off the last
 * padded sound (measured: 2.959 s of a 3 s track); `-t` at the picture's length, rounded down to
 * the microsecond, ends the picture after exactly `frames` frames (the last starts a whole frame
 * earlier) and lets the sound, already cut to length by audioFitFilter, end with it.
 */
export function lengthArgs(frames: number, rate: { num: number; den: number }, withSound: boolean): string[] {
  if (!withSound) return ["-frames:v", String(frames)];
  return ["-t", (Math.floor(((frames * rate.den) / rate.num) * 1e6) / 1e6).toFixed(6)];
}
