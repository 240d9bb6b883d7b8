import { SequenceColorSpace, type SequenceContext } from "../../core/schemas/index.js";
import { SETTING_MEDIA_FOLDER_TOKEN } from "../uxp/backendSettings.js";
import { hostError, HostErrorCode as PremiereErrorCode } from "../uxp/errors.js";
import { pickMediaFolder as pickFolder } from "../uxp/mediaFolder.js";
import type { Secrets } from "../uxp/secrets.js";
import { activeProjectAndSequence } from "./activeSequence.js";
import { COLOR_SPACE_PROPERTY, readSequenceContext } from "./sequenceContext.js";
import type { PremiereApi, UxpApi, UxpFs } from "./types.js";

/**
 * Host actions the panel needs but the bridge schema (src/core/schemas/bridge.ts) does not list
 * yet, ready to be served as `host.pickMediaFolder` and `host.setSequenceColorSpace` once the
 * methods are added there (see the issue report for the exact schema lines).
 */

/** Opens the OS folder picker and remembers the choice (persistent token in secure storage). */
export function pickMediaFolder(deps: { uxp: UxpApi; secrets: Secrets; fs?: UxpFs }): Promise<{ path: string | null }> {
  return pickFolder({ ...deps, tokenKey: SETTING_MEDIA_FOLDER_TOKEN });
}

/**
 * Records the sequence's color space on the sequence itself (a persistent sequence property, one
 * undo step), because Premiere's UXP API cannot read the working color space. Returns the fresh
 * context so the panel shows the change at once.
 */
export async function setSequenceColorSpace(ppro: PremiereApi, colorSpace: SequenceColorSpace): Promise<SequenceContext> {
  const value = SequenceColorSpace.parse(colorSpace);
  const { project, sequence } = await activeProjectAndSequence(ppro);
  const properties = await ppro.Properties.getProperties(sequence);
  let ok = false;
  project.lockedAccess(() => {
    ok = project.executeTransaction((compound) => {
      compound.addAction(properties.createSetValueAction(COLOR_SPACE_PROPERTY, value, ppro.Constants.PropertyType.PERSISTENT));
    }, "Retake: sequence color space");
  });
  if (!ok) throw hostError(PremiereErrorCode.internal, "Premiere did not store the sequence's color space.");
  return (await readSequenceContext(ppro)).context;
}
