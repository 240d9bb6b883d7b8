import { describe, expect, it } from "vitest";
import { findRetakeDescription, RETAKE_DESCRIPTION_OPEN, RETAKE_XMP_NS, withRetakeDescription } from "../../../../src/host/uxp/provenance.js";

/**
 * Retake writes its provenance into packets the host owns (a clip's XMP, After Effects' project
 * XMP). Whatever shape the host gives the packet back in, nothing but Retake's own description
 * may be replaced.
 */

const ours = (n: number) => `${RETAKE_DESCRIPTION_OPEN}<retake:jobId>job-${n}</retake:jobId></rdf:Description>`;
const packet = (inner: string) => `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${inner}</rdf:RDF></x:xmpmeta>`;

describe("Retake's description in a host's XMP packet", () => {
  it("replaces its own description, once, and keeps the others", () => {
    const first = withRetakeDescription(packet(`<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreatorTool>Adobe After Effects</xmp:CreatorTool></rdf:Description>`), ours(1));
    const second = withRetakeDescription(first, ours(2));
    expect(second).toContain("<xmp:CreatorTool>Adobe After Effects</xmp:CreatorTool>");
    expect(second.match(/retake:jobId/g)).toHaveLength(2);
    expect(findRetakeDescription(second)).toContain("job-2");
  });

  it("never deletes a description a host merged with other namespaces, even though it declares retake", () => {
    // How an XMP toolkit re-serialises: one description for every namespace, fields as attributes.
    const merged = packet(
      `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:retake="${RETAKE_XMP_NS}" xmp:CreatorTool="Adobe After Effects" retake:jobId="job-1"><xmp:Label>Approved</xmp:Label></rdf:Description>`,
    );
    const next = withRetakeDescription(merged, ours(2));
    expect(next).toContain('xmp:CreatorTool="Adobe After Effects"');
    expect(next).toContain("<xmp:Label>Approved</xmp:Label>");
    expect(findRetakeDescription(next)).toContain("job-2");
  });
});
