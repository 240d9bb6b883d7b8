import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MOOV_BYTES, readColorTags } from "../../../src/core/colorTags/index.js";
import { ColorTags } from "../../../src/core/schemas/color.js";
import { AP0_CHROMATICITIES, writeExrAttributes } from "../../../src/server/conform/exrHeader.js";
import { colrBox, copyWithEntryBoxes, dolbyVisionConfigBox } from "../../../src/server/conform/sampleEntryBoxes.js";

// Deterministic mutation fuzzing of the tag reader: every mutated file must come back as a
// schema-valid ColorTags, quickly, without a throw and without oversized reads.
const run = promisify(execFile);
const ffmpeg = (...args: string[]) => run("ffmpeg", ["-v", "error", "-y", ...args]);
const SRC = ["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=24:duration=0.1"];
const PQ = ["-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-color_range", "tv"];

/** A single case may not take longer than this (they normally take well under a millisecond). */
const CASE_LIMIT_MS = 2_000; // a hang guard, not a speed target (that lives in the bench)

let dir = "";
const bases: Record<string, Buffer> = {};

/** mulberry32: small, seedable, good enough to pick mutations reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Stats {
  cases: number;
  slowestMs: number;
  largestRead: number;
}

/**
 * Runs the reader over `bytes` (optionally claiming a different file size) and checks the
 * invariants. The fake read serves bytes from memory and returns short past the real end,
 * as a real file would.
 */
async function check(bytes: Uint8Array, stats: Stats, label: string, claimedSize = bytes.length): Promise<ColorTags> {
  let largest = 0;
  const read = async (offset: number, length: number) => {
    if (!(offset >= 0 && length >= 0)) throw new Error(`${label}: bad request ${offset}+${length}`);
    largest = Math.max(largest, length);
    return bytes.subarray(offset, offset + length);
  };
  const started = performance.now();
  let tags: ColorTags;
  try {
    tags = await readColorTags(read, claimedSize);
  } catch (err) {
    throw new Error(`${label}: threw ${String(err)}`);
  }
  const ms = performance.now() - started;
  stats.cases++;
  stats.slowestMs = Math.max(stats.slowestMs, ms);
  stats.largestRead = Math.max(stats.largestRead, largest);
  const parsed = ColorTags.safeParse(tags);
  if (!parsed.success) throw new Error(`${label}: not a ColorTags: ${parsed.error.message}\n${JSON.stringify(tags)}`);
  if (ms > CASE_LIMIT_MS) throw new Error(`${label}: took ${ms.toFixed(0)} ms`);
  if (largest > Math.max(claimedSize, 0) || largest > MAX_MOOV_BYTES) throw new Error(`${label}: asked for ${largest} bytes`);
  if (tags.agree !== (tags.problems.length === 0)) throw new Error(`${label}: agree is ${tags.agree} with ${tags.problems.length} problems`);
  if (!tags.summary) throw new Error(`${label}: no summary`);
  if (tags.colorSpace === "unknown" && tags.agree) throw new Error(`${label}: unknown yet agreeing`);
  if (JSON.stringify(tags).length > 16_384) throw new Error(`${label}: result is unreasonably large`);
  return tags;
}

const freshStats = (): Stats => ({ cases: 0, slowestMs: 0, largestRead: 0 });

/** Offsets of every box header in a movie, descending through the containers the reader visits. */
function boxHeaders(buf: Buffer): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number) => {
    for (let p = start; p + 8 <= end && depth < 12; ) {
      let size = buf.readUInt32BE(p);
      let header = 8;
      if (size === 1) {
        size = Number(buf.readBigUInt64BE(p + 8));
        header = 16;
      } else if (size === 0) size = end - p;
      if (size < header || p + size > end) return;
      out.push(p);
      const type = buf.toString("latin1", p + 4, p + 8);
      if (["moov", "trak", "mdia", "minf", "stbl"].includes(type)) walk(p + header, p + size, depth + 1);
      if (type === "stsd") walk(p + header + 8, p + size, depth + 1);
      if (/^(apch|ap4h|hvc1|hev1|avc1|dvh1)$/.test(type)) walk(p + header + 78, p + size, depth + 1);
      p += size;
    }
  };
  walk(0, buf.length, 0);
  return out;
}

/** Offsets of every attribute's int32 size field in an EXR header. */
function exrSizeFields(buf: Buffer): number[] {
  const out: number[] = [];
  let p = 8;
  while (p < buf.length && buf[p] !== 0) {
    p = buf.indexOf(0, p) + 1; // name
    p = buf.indexOf(0, p) + 1; // type
    out.push(p);
    p += 4 + buf.readInt32LE(p);
  }
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-"));
  const at = (n: string) => path.join(dir, n);
  await Promise.all([
    // faststart puts moov first, so truncating the first few KB cuts through moov itself.
    ffmpeg(...SRC, "-frames:v", "1", "-vf", "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc:range=tv,format=yuv422p10le",
      "-c:v", "prores_ks", "-profile:v", "hq", "-vendor", "apl0", ...PQ, "-movflags", "+faststart", at("prores.mov")),
    ffmpeg(...SRC, "-frames:v", "1", "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p10le",
      "-x265-params", "log-level=error", "-tag:v", "hvc1", ...PQ, "-movflags", "+faststart", at("hevc.mp4")),
    ffmpeg(...SRC, "-frames:v", "1", "-vf", "format=gbrpf32le", "-c:v", "exr", "-format", "half", "-compression", "none", at("half.exr")),
  ]);
  await writeExrAttributes(at("half.exr"), at("ap0.exr"), [
    { name: "chromaticities", type: "chromaticities", value: AP0_CHROMATICITIES },
    { name: "acesImageContainerFlag", type: "int", value: 1 },
  ]);
  // Dolby Vision profile 5 in dvh1 with a second colr: the configuration record and the
  // repeated carrier are mutated too.
  await copyWithEntryBoxes(at("hevc.mp4"), at("dv.mp4"), [
    colrBox("nclx", { primaries: 9, transfer: 18, matrix: 9 }),
    dolbyVisionConfigBox({ versionMajor: 1, versionMinor: 0, profile: 5, level: 6, rpuPresent: true, elPresent: false, blPresent: true, blCompatibilityId: 0 }),
  ], { entryType: "dvh1" });
  for (const name of ["prores.mov", "hevc.mp4", "ap0.exr", "dv.mp4"]) bases[name] = fs.readFileSync(at(name));
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("readColorTags under mutation", () => {
  it("reads the unmutated bases (so the mutations start from real files)", async () => {
    const stats = freshStats();
    expect((await check(bases["prores.mov"]!, stats, "prores")).colorSpace).toBe("rec2100-pq");
    expect((await check(bases["hevc.mp4"]!, stats, "hevc")).colorSpace).toBe("rec2100-pq");
    expect((await check(bases["ap0.exr"]!, stats, "exr")).colorSpace).toBe("aces2065-1");
    const dv = await check(bases["dv.mp4"]!, stats, "dv");
    expect(dv).toMatchObject({ colorSpace: "unknown", agree: false, dolbyVision: { profile: 5 }, extraColr: [{ transfer: 18 }] });
  });

  it("survives truncation at every position of the first 4 KB", async () => {
    const stats = freshStats();
    for (const [name, buf] of Object.entries(bases)) {
      for (let n = 0; n <= Math.min(buf.length, 4096); n++) {
        const tags = await check(buf.subarray(0, n), stats, `${name} cut at ${n}`);
        // A cut file claiming its full size must never be taken for a good one.
        await check(buf.subarray(0, n), stats, `${name} cut at ${n}, full size claimed`, buf.length);
        if (n < Math.min(buf.length, 4096) && n > 0 && name !== "ap0.exr") expect(tags.agree).toBe(false);
      }
    }
    expect(stats.cases).toBeGreaterThan(20_000);
  });

  it("survives random byte flips in the headers", async () => {
    const stats = freshStats();
    const rand = prng(0x5eed);
    for (const [name, buf] of Object.entries(bases)) {
      const span = Math.min(buf.length, 4096);
      for (let i = 0; i < 1500; i++) {
        const copy = Buffer.from(buf);
        const flips = 1 + Math.floor(rand() * 8);
        for (let f = 0; f < flips; f++) copy[Math.floor(rand() * span)] = Math.floor(rand() * 256);
        await check(copy, stats, `${name} flip case ${i}`);
      }
    }
    expect(stats.cases).toBe(6000);
  });

  it("survives random byte flips in the movie index (hvcC parameter sets, stco/stsz, sample entry)", async () => {
    // ffmpeg puts moov last: the tail holds stsd (hvcC with the SPS the VUI is read from) and the
    // chunk offset / sample size tables that lead the reader to the first frame.
    const stats = freshStats();
    const rand = prng(0xc0105);
    for (const name of ["prores.mov", "hevc.mp4", "dv.mp4"]) {
      const buf = bases[name]!;
      const span = Math.min(buf.length, 4096);
      for (let i = 0; i < 1500; i++) {
        const copy = Buffer.from(buf);
        const flips = 1 + Math.floor(rand() * 8);
        for (let f = 0; f < flips; f++) copy[buf.length - 1 - Math.floor(rand() * span)] = Math.floor(rand() * 256);
        await check(copy, stats, `${name} tail flip case ${i}`);
      }
    }
    expect(stats.cases).toBe(4500);
  });

  it("survives corrupted box sizes, including self-referential and 64-bit ones", async () => {
    const stats = freshStats();
    const rand = prng(42);
    for (const name of ["prores.mov", "hevc.mp4"]) {
      const buf = bases[name]!;
      const headers = boxHeaders(buf);
      expect(headers.length).toBeGreaterThan(10);
      for (const p of headers) {
        const size = buf.readUInt32BE(p);
        const hostile = [0, 1, 2, 7, 8, 9, 15, 16, size - 1, size + 1, size * 2, p, buf.length - p, buf.length, 0x7fffffff, 0xffffffff,
          Math.floor(rand() * 0xffffffff)];
        for (const value of hostile) {
          const copy = Buffer.from(buf);
          copy.writeUInt32BE(value >>> 0, p);
          await check(copy, stats, `${name} box@${p} size ${value}`);
        }
        // size 1 means a 64-bit size follows, overwriting the first 8 bytes of the body.
        for (const large of [0n, 8n, 15n, 16n, BigInt(p), BigInt(buf.length - p), 2n ** 53n, 2n ** 64n - 1n]) {
          const copy = Buffer.from(buf);
          copy.writeUInt32BE(1, p);
          if (p + 16 <= copy.length) copy.writeBigUInt64BE(large, p + 8);
          await check(copy, stats, `${name} box@${p} largesize ${large}`);
        }
      }
    }
    expect(stats.cases).toBeGreaterThan(500);
  });

  it("survives corrupted EXR attribute sizes and names without terminators", async () => {
    const stats = freshStats();
    const buf = bases["ap0.exr"]!;
    const fields = exrSizeFields(buf);
    expect(fields.length).toBeGreaterThanOrEqual(8);
    for (const p of fields) {
      for (const value of [-1, -2147483648, 0, 1, 3, 31, 33, 2147483647, buf.length, buf.length - p]) {
        const copy = Buffer.from(buf);
        copy.writeInt32LE(value, p);
        await check(copy, stats, `exr size@${p} = ${value}`);
      }
    }
    // Every NUL in the header replaced by a letter, one at a time: unterminated names and chlists.
    const headerEnd = buf.indexOf(Buffer.from([0, 0]), 8) + 2;
    for (let p = 8; p < Math.min(headerEnd + 64, buf.length); p++) {
      if (buf[p] !== 0) continue;
      const copy = Buffer.from(buf);
      copy[p] = 0x41;
      await check(copy, stats, `exr nul@${p}`);
    }
    expect(stats.cases).toBeGreaterThan(100);
  });

  it("survives hand-made hostile files", async () => {
    const stats = freshStats();
    const box = (type: string, body: Buffer | number[] = [], size?: number) => {
      const b = Buffer.from(body);
      const h = Buffer.alloc(8);
      h.writeUInt32BE(size ?? 8 + b.length, 0);
      h.write(type, 4, "latin1");
      return Buffer.concat([h, b]);
    };
    const ftyp = box("ftyp", Buffer.from("isom\0\0\0\0isom", "latin1"));
    const exrMagic = Buffer.from([0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0]);
    const cases: Array<[string, Buffer, number?]> = [
      ["empty", Buffer.alloc(0)],
      ["only ftyp", ftyp],
      ["ftyp then size-0 mdat", Buffer.concat([ftyp, box("mdat", [1, 2, 3], 0)])],
      ["moov with size 0 children", Buffer.concat([ftyp, box("moov", box("trak", [], 0))])],
      ["moov of nested empty traks", Buffer.concat([ftyp, box("moov", Buffer.concat(Array.from({ length: 500 }, () => box("trak"))))])],
      ["many tiny top-level boxes", Buffer.concat([ftyp, ...Array.from({ length: 5000 }, () => box("free"))])],
      ["video trak without stsd", Buffer.concat([ftyp, box("moov", box("trak", box("mdia", box("hdlr", Buffer.from("\0\0\0\0\0\0\0\0vide", "latin1")))))])],
      ["moov claiming 10 GB in a small file", Buffer.concat([ftyp, box("moov", [], 0xffffffff)]), 10 * 2 ** 30],
      ["moov just under the cap in a lying file size", Buffer.concat([ftyp, box("moov", [], MAX_MOOV_BYTES - 1)]), MAX_MOOV_BYTES + 64],
      ["exr magic only", exrMagic],
      ["exr unterminated 100 KB name", Buffer.concat([exrMagic, Buffer.alloc(100_000, 0x41)])],
      ["exr chlist without end", Buffer.concat([exrMagic, Buffer.from("channels\0chlist\0", "latin1"), Buffer.from([40, 0, 0, 0]), Buffer.alloc(40, 0x52)])],
      ["exr NaN chromaticities", Buffer.concat([exrMagic, Buffer.from("chromaticities\0chromaticities\0", "latin1"), Buffer.from([32, 0, 0, 0]), Buffer.alloc(32, 0xff), Buffer.from([0])])],
      ["file size claimed negative", ftyp, -1],
      ["file size claimed fractional", ftyp, 1.5],
      ["file size claimed NaN", ftyp, Number.NaN],
    ];
    for (const [label, bytes, claimed] of cases) {
      const tags = await check(bytes, stats, label, claimed ?? bytes.length);
      expect(tags.agree, label).toBe(false);
    }

    // A channel called "__proto__" stays an ordinary key and cannot reach the prototype.
    const half = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0];
    const chlist = Buffer.concat([Buffer.from("__proto__\0", "latin1"), Buffer.from(half), Buffer.from([0])]);
    const attr = (name: string, type: string, value: Buffer) => {
      const size = Buffer.alloc(4);
      size.writeInt32LE(value.length);
      return Buffer.concat([Buffer.from(`${name}\0${type}\0`, "latin1"), size, value]);
    };
    const proto = await check(
      Buffer.concat([exrMagic, attr("channels", "chlist", chlist), attr("compression", "compression", Buffer.from([0])),
        attr("dataWindow", "box2i", Buffer.alloc(16)), Buffer.from([0])]),
      stats,
      "exr channel named __proto__",
    );
    const channels = proto.exr?.channels ?? {};
    expect(Object.getPrototypeOf(channels)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(channels, "__proto__")?.value).toBe("half");
    expect(proto.agree).toBe(false);
  });
});
