import type { Artifact } from "../core/schemas/index.js";

const CODEC_WORDS: Record<string, string> = {
  pcm_s24le: "PCM 24-bit",
  pcm_s16le: "PCM 16-bit",
  pcm_f32le: "PCM float",
  aac: "AAC",
  opus: "Opus",
  mp3: "MP3",
};

/** "PCM 24-bit · 48 kHz · stereo": a take's sound track, in the card's words. */
export function soundInWords(audio: NonNullable<Artifact["audio"]>): string {
  const codec = CODEC_WORDS[audio.codec] ?? audio.codec;
  const rate = `${(audio.sampleRate / 1000).toFixed(1).replace(/\.0$/, "")} kHz`;
  const channels = audio.channels === 1 ? "mono" : audio.channels === 2 ? "stereo" : `${audio.channels} ch`;
  return `${codec} · ${rate} · ${channels}`;
}

/** The Sound switch's price line: what one take costs more (or less) with sound, from two estimates. */
export function soundPriceWords(delta: { usd: number; estimated: boolean }): string {
  if (delta.usd === 0) return "same price with or without";
  return `${delta.estimated ? "≈ " : ""}${delta.usd > 0 ? "+" : "−"}$${Math.abs(delta.usd).toFixed(2)} a take with sound`;
}
