import type { Job, Take } from "../../core/schemas/index.js";

/** XMP namespace for Retake's provenance fields on an imported take. */
export const RETAKE_XMP_NS = "https://retake.dev/ns/provenance/1.0/";

export interface Provenance {
  prompt: string;
  directionSummary: string;
  provider: string;
  model: string;
  jobId: string;
  takeId: string;
  takeNumber: number;
  costUsd: number;
  costEstimated: boolean;
  critique: string;
  colorSpace: string;
}

export function provenanceOf(job: Job, take: Take): Provenance {
  return {
    prompt: job.direction.prompt,
    directionSummary: job.direction.summary,
    provider: job.provider,
    model: job.model,
    jobId: job.id,
    takeId: take.id,
    takeNumber: take.index + 1,
    costUsd: take.cost.usd,
    costEstimated: take.cost.estimated,
    critique: critiqueScores(take.critique),
    colorSpace: take.colorSpace,
  };
}

/** Numeric scores of a critique as "name=0.82, …" (the critique's shape belongs to the critic). */
export function critiqueScores(critique: unknown): string {
  if (!critique || typeof critique !== "object") return "";
  const out: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (out.length >= 24) return;
    if (typeof value === "number" && Number.isFinite(value)) out.push(`${path}=${Math.round(value * 1000) / 1000}`);
    else if (value && typeof value === "object" && !Array.isArray(value) && path.split(".").length < 3) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    }
  };
  walk(critique, "");
  return out.join(", ");
}

/** One line for the marker's comment. */
export function markerComment(p: Provenance): string {
  const cost = `$${p.costUsd.toFixed(2)}${p.costEstimated ? " (estimated)" : ""}`;
  return [p.prompt && `Prompt: ${p.prompt}`, p.directionSummary && `Direction: ${p.directionSummary}`, `${p.provider}/${p.model}`, `cost ${cost}`, `job ${p.jobId}`, `take ${p.takeId}`]
    .filter(Boolean)
    .join(" · ");
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

/** One `<retake:name>value</retake:name>` element. */
export function retakeField(name: string, value: string | number | boolean): string {
  return `<retake:${name}>${escapeXml(String(value))}</retake:${name}>`;
}

/** The provenance as `retake:` elements (the body of a description, or of one entry in a list). */
export function provenanceFields(p: Provenance): string {
  return [
    retakeField("prompt", p.prompt),
    retakeField("directionSummary", p.directionSummary),
    retakeField("provider", p.provider),
    retakeField("model", p.model),
    retakeField("jobId", p.jobId),
    retakeField("takeId", p.takeId),
    retakeField("takeNumber", p.takeNumber),
    retakeField("costUsd", p.costUsd),
    retakeField("costEstimated", p.costEstimated),
    retakeField("critique", p.critique),
    retakeField("colorSpace", p.colorSpace),
  ].join("");
}

/** The opening tag of Retake's rdf:Description (dc declared too, for dc:description). */
export const RETAKE_DESCRIPTION_OPEN = `<rdf:Description rdf:about="" xmlns:retake="${RETAKE_XMP_NS}" xmlns:dc="http://purl.org/dc/elements/1.1/">`;

/**
 * The rdf:Description carrying the provenance, and dc:description (which Premiere shows) unless
 * the packet already has one: a property may appear once per resource, and XMP parsers reject a
 * packet with two, so an existing description (an embedded provider XMP, the editor's own) wins.
 */
export function provenanceDescription(p: Provenance, options: { dcDescription?: boolean } = {}): string {
  return [
    RETAKE_DESCRIPTION_OPEN,
    provenanceFields(p),
    options.dcDescription === false ? "" : `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(markerComment(p))}</rdf:li></rdf:Alt></dc:description>`,
    `</rdf:Description>`,
  ].join("");
}

/** True when the packet (Retake's own description aside) already holds dc:description, as an element or an attribute. */
export function hasForeignDcDescription(xmp: string): boolean {
  return /<dc:description[\s>]|\sdc:description\s*=/.test(xmp.replace(RETAKE_DESCRIPTION, ""));
}

/**
 * Retake's own description, found by the exact opening tag Retake writes: a description that
 * merely declares the retake namespace may be one a host merged with other namespaces' properties
 * (XMP toolkits re-serialise packets that way), and replacing it would delete them. When the host
 * has merged ours away, a fresh description is added instead: nothing else in the packet is lost.
 */
const RETAKE_DESCRIPTION = new RegExp(`${escapeRegExp(RETAKE_DESCRIPTION_OPEN)}[\\s\\S]*?</rdf:Description>`, "g");

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Retake's own rdf:Description in a packet, or undefined (for hosts that add to what is there). */
export function findRetakeDescription(xmp: string): string | undefined {
  return xmp.match(RETAKE_DESCRIPTION)?.[0];
}

/**
 * A packet with Retake's description put in (XMP allows several rdf:Description elements about
 * the same resource). A previous Retake description is replaced; the rest is kept. When the
 * existing packet has no rdf:RDF (empty or unreadable), a fresh packet is written.
 */
export function withRetakeDescription(existingXmp: string, description: string): string {
  const withoutOld = existingXmp.replace(RETAKE_DESCRIPTION, "");
  const close = withoutOld.lastIndexOf("</rdf:RDF>");
  if (close >= 0) return withoutOld.slice(0, close) + description + withoutOld.slice(close);
  return [
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>`,
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`,
    description,
    `</rdf:RDF></x:xmpmeta>`,
    `<?xpacket end="w"?>`,
  ].join("");
}

/** The item's XMP with Retake's provenance description in it (Premiere: one take per item). */
export function withProvenance(existingXmp: string, p: Provenance): string {
  return withRetakeDescription(existingXmp, provenanceDescription(p, { dcDescription: !hasForeignDcDescription(existingXmp) }));
}
