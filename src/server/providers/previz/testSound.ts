/**
 * Previz's sound, when a job asks for it: a TEST sound, not a soundtrack. A quiet 440 Hz tone
 * (−30 dBFS) under a 10 ms 1 kHz click (−6 dBFS) at every whole second of the take, from the
 * take's first frame, in stereo at 48 kHz. It lets the sound path (delivery, the card's player,
 * the timeline's linked audio) be tried without a key, and the clicks make sync easy to judge by
 * ear or on a waveform: each one sits on frame 0, fps, 2·fps… of the take.
 */
import { audioFitFilter, MASTER_AUDIO_RATE, MASTER_PCM_CODEC } from "../../media/audioTrack.js";

export const TEST_SOUND_NOTE = "Previz sound is a generated test sound (a quiet tone with a click on every whole second), not a soundtrack.";

const CLICK_SECONDS = 0.01;

/** ffmpeg input args for `seconds` of the test sound (a lavfi source). */
export function testSoundInput(seconds: number): string[] {
  const expr = `0.0316*sin(2*PI*440*t)+0.5*sin(2*PI*1000*t)*lt(mod(t\\,1)\\,${CLICK_SECONDS})`;
  return ["-f", "lavfi", "-i", `aevalsrc=exprs=${expr}|${expr}:s=${MASTER_AUDIO_RATE}:d=${(seconds + 0.1).toFixed(3)}`];
}

/** Output args for a master's copy of it: PCM 48 kHz, exactly the picture's length. */
export function testSoundMasterArgs(inputIndex: number, seconds: number): string[] {
  return ["-map", `${inputIndex}:a:0`, "-af", audioFitFilter(seconds), "-c:a", MASTER_PCM_CODEC, "-ar", String(MASTER_AUDIO_RATE)];
}

/** Output args for a proxy's copy (AAC). */
export function testSoundProxyArgs(inputIndex: number, seconds: number): string[] {
  return ["-map", `${inputIndex}:a:0`, "-af", audioFitFilter(seconds), "-c:a", "aac", "-b:a", "128k", "-ar", String(MASTER_AUDIO_RATE)];
}
