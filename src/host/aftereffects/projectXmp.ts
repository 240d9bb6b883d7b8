import { SequenceColorSpace } from "../../core/schemas/index.js";
import {
  findRetakeDescription,
  provenanceFields,
  RETAKE_DESCRIPTION_OPEN,
  retakeField,
  withRetakeDescription,
  type Provenance,
} from "../uxp/provenance.js";

/**
 * Retake's record in the After Effects project's own XMP (`project.xmpPacket`; AE's footage and
 * layers have no XMP of their own in the UXP API). One rdf:Description in Retake's namespace holds:
 * - `retake:deliveryColorSpace`: the color space takes are rendered in, where the project's color
 *   settings cannot say (OCIO, or a working space that is none of Rec.709 / PQ / HLG);
 * - `retake:takes`: an rdf:Bag with one entry per imported take (the provenance, plus the comp,
 *   layer and file it became), appended on every import and never rewritten.
 * Everything else in the packet is kept as it was.
 */

/** Where an imported take went, beside its provenance. */
export interface TakeRecord {
  provenance: Provenance;
  compName: string;
  layerId: number;
  layerName: string;
  mediaPath: string;
  importedAt: string;
}

interface RetakeProjectXmp {
  deliveryColorSpace?: SequenceColorSpace;
  /** The Bag's entries as written (each `<rdf:li rdf:parseType="Resource">…</rdf:li>`). */
  takes: string[];
}

const ENTRY = /<rdf:li rdf:parseType="Resource">[\s\S]*?<\/rdf:li>/g;

function readRetake(xmp: string): RetakeProjectXmp {
  const ours = findRetakeDescription(xmp ?? "");
  if (!ours) return { takes: [] };
  const cs = SequenceColorSpace.safeParse(/<retake:deliveryColorSpace>([^<]*)<\/retake:deliveryColorSpace>/.exec(ours)?.[1]);
  const bag = /<retake:takes>([\s\S]*?)<\/retake:takes>/.exec(ours)?.[1] ?? "";
  return { ...(cs.success ? { deliveryColorSpace: cs.data } : {}), takes: bag.match(ENTRY) ?? [] };
}

function writeRetake(xmp: string, ours: RetakeProjectXmp): string {
  return withRetakeDescription(
    xmp ?? "",
    [
      RETAKE_DESCRIPTION_OPEN,
      ours.deliveryColorSpace ? retakeField("deliveryColorSpace", ours.deliveryColorSpace) : "",
      ours.takes.length > 0 ? `<retake:takes><rdf:Bag>${ours.takes.join("")}</rdf:Bag></retake:takes>` : "",
      "</rdf:Description>",
    ].join(""),
  );
}

export function readDeliveryColorSpace(xmp: string): SequenceColorSpace | undefined {
  return readRetake(xmp).deliveryColorSpace;
}

export function withDeliveryColorSpace(xmp: string, colorSpace: SequenceColorSpace): string {
  return writeRetake(xmp, { ...readRetake(xmp), deliveryColorSpace: colorSpace });
}

export function withTakeRecord(xmp: string, record: TakeRecord): string {
  const entry = [
    `<rdf:li rdf:parseType="Resource">`,
    provenanceFields(record.provenance),
    retakeField("compName", record.compName),
    retakeField("layerId", record.layerId),
    retakeField("layerName", record.layerName),
    retakeField("mediaPath", record.mediaPath),
    retakeField("importedAt", record.importedAt),
    `</rdf:li>`,
  ].join("");
  const ours = readRetake(xmp);
  return writeRetake(xmp, { ...ours, takes: [...ours.takes, entry] });
}

/** The recorded takes' fields, for reading back (tests, and anyone auditing a project). */
export function readTakeRecords(xmp: string): Record<string, string>[] {
  return readRetake(xmp).takes.map((entry) => {
    const fields: Record<string, string> = {};
    for (const m of entry.matchAll(/<retake:(\w+)>([^<]*)<\/retake:\1>/g)) fields[m[1]!] = unescapeXml(m[2]!);
    return fields;
  });
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" })[e]!);
}
