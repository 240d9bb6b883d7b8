import { describe, hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import type { PProject, PremiereApi, PSequence } from "./types.js";

/** The open project and its active sequence, or a message saying which one is missing. */
export async function activeProjectAndSequence(ppro: PremiereApi): Promise<{ project: PProject; sequence: PSequence }> {
  let project: PProject | null | undefined;
  try {
    project = await ppro.Project.getActiveProject();
  } catch (error) {
    throw hostError(PremiereErrorCode.noProject, `No project is open in Premiere (${describe(error)}). Open or create a project, then try again.`);
  }
  if (!project) throw hostError(PremiereErrorCode.noProject, "No project is open in Premiere. Open or create a project, then try again.");
  let sequence: PSequence | null | undefined;
  try {
    sequence = await project.getActiveSequence();
  } catch {
    sequence = undefined;
  }
  if (!sequence) {
    throw hostError(PremiereErrorCode.noSequence, "No sequence is active. Open a sequence in the Timeline panel, then try again.");
  }
  return { project, sequence };
}
