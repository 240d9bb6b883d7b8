import fs from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ArtifactLink } from "../../../core/schemas/index.js";
import type { Store } from "../../ledger/store.js";
import type { ArtifactLinks } from "../artifactLinks.js";
import { HttpError } from "../errors.js";

/** Parses a single `bytes=` range; multi-range requests are answered with the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, a, b] = match;
  if (a === "" && b === "") return undefined;
  let start: number;
  let end: number;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

/** Streams a file with HTTP Range support (video scrubbing, resumable host downloads). */
export function sendFileWithRange(request: FastifyRequest, reply: FastifyReply, filePath: string, mediaType: string, fileName?: string) {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(filePath);
  } catch {
    throw new HttpError(410, "file_missing", "The file for this artifact is no longer on the backend's disk.");
  }
  const size = stat.size;
  reply.header("Accept-Ranges", "bytes");
  const range = parseRange(request.headers.range, size);
  if (range === "unsatisfiable") {
    reply.header("Content-Range", `bytes */${size}`);
    return reply.code(416).send({ error: { code: "range_not_satisfiable", message: `The requested range is outside the file (${size} bytes).` } });
  }
  reply.header("Content-Type", mediaType);
  reply.header("Last-Modified", stat.mtime.toUTCString());
  if (fileName) reply.header("Content-Disposition", `inline; filename="${fileName.replace(/"/g, "")}"`);
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  reply.header("Content-Length", String(length));
  if (range) {
    reply.code(206);
    reply.header("Content-Range", `bytes ${start}-${end}/${size}`);
  }
  if (request.method === "HEAD" || length === 0) return reply.send();
  return reply.send(fs.createReadStream(filePath, { start, end }));
}

export function registerArtifactRoutes(app: FastifyInstance, deps: { store: Store; links: ArtifactLinks }) {
  const handler = async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const found = await deps.store.getArtifact(request.params.id);
    if (!found) throw new HttpError(404, "artifact_not_found", `No artifact ${request.params.id}.`);
    return sendFileWithRange(request, reply, found.path, found.artifact.mediaType, found.artifact.fileName);
  };
  // HEAD is registered by hand, first: Fastify's automatic HEAD route answers a body-less reply
  // with Content-Length 0, hiding the file's size from a browser or host asking for it.
  app.head("/v1/artifacts/:id", handler);
  app.get("/v1/artifacts/:id", handler);

  // A short-lived signed link for the system browser (the panel never hands it the token). The
  // link names the origin this request reached (http, or the https twin; the Host header was
  // checked by security.ts), so the browser reaches the backend the way the panel did.
  app.post<{ Params: { id: string } }>("/v1/artifacts/:id/link", async (request, reply): Promise<ArtifactLink> => {
    if (!(await deps.store.getArtifact(request.params.id))) throw new HttpError(404, "artifact_not_found", `No artifact ${request.params.id}.`);
    reply.header("Cache-Control", "no-store");
    return deps.links.create(`${request.protocol}://${request.headers.host}`, request.params.id);
  });
}
