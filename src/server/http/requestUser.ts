import type { FastifyRequest } from "fastify";
import type { Job } from "../../core/schemas/index.js";
import "../identity/authenticate.js";

/**
 * Who made a job, from the request: team mode's signed-in editor (set by the team auth hook), so
 * every job an editor starts (drafts, enhance, upscale, upconvert) records them and counts against
 * their budget. Undefined in embedded mode, which has one editor and no sign-in.
 */
export function createdByOf(request: FastifyRequest): Job["createdBy"] | undefined {
  const signedIn = request.user;
  return signedIn ? { userId: signedIn.user.id, name: signedIn.user.name } : undefined;
}
