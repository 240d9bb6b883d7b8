import { COLOR_SPACE_LABEL, type ProjectColorSettings, type SequenceColorSpace } from "../../core/schemas/index.js";
import { readDeliveryColorSpace } from "./projectXmp.js";
import type { AeProject } from "./types.js";

/**
 * The color space takes are rendered in, from the project's color settings (project.md:
 * colorManagementSystem, workingSpace, bitsPerChannel, linearizeWorkingSpace, ocioConfigurationFile).
 *
 * With Adobe's color management After Effects converts footage from its embedded tags into the
 * working space, so a take tagged like the working space (or Rec.709, which every SDR working
 * space converts faithfully) lands right. An HDR working space (Rec.2100 PQ or HLG) gets takes in
 * that HDR encoding. With OCIO, or a working space that is none of these, the project cannot say:
 * the editor's choice kept in the project XMP (host.setSequenceColorSpace) decides, Rec.709 when
 * there is none.
 */
export function readProjectColor(project: AeProject): { colorSpace: SequenceColorSpace; settings: ProjectColorSettings } {
  const engine = project.colorManagementSystem === 1 ? "ocio" : "adobe";
  const workingSpace = String(project.workingSpace ?? "");
  const fromWorkingSpace = engine === "adobe" ? colorSpaceOfWorkingSpace(workingSpace) : undefined;
  const kept = fromWorkingSpace ? undefined : readDeliveryColorSpace(project.xmpPacket ?? "");
  const colorSpace = fromWorkingSpace ?? kept ?? "rec709";
  const ocioConfig = engine === "ocio" ? String(project.ocioConfigurationFile ?? "") : "";
  return {
    colorSpace,
    settings: {
      engine,
      workingSpace,
      bitsPerChannel: [8, 16, 32].includes(project.bitsPerChannel) ? project.bitsPerChannel : 8,
      linearize: Boolean(project.linearizeWorkingSpace),
      ...(ocioConfig ? { ocioConfig } : {}),
      colorSpaceFrom: fromWorkingSpace ? "working-space" : kept ? "project-setting" : "default",
    },
  };
}

/**
 * A working space's profile description as a delivery color space. The names are After Effects'
 * own ("HDTV (Rec. 709)", "Rec. 2100 PQ", "Rec. 2100 HLG", "sRGB IEC61966-2.1"; "" is None);
 * the exact strings `listColorProfiles()` returns are on the live-check list.
 */
export function colorSpaceOfWorkingSpace(workingSpace: string): SequenceColorSpace | undefined {
  const ws = workingSpace.trim();
  if (/\bPQ\b|2084/i.test(ws)) return "rec2100-pq";
  if (/\bHLG\b/i.test(ws)) return "rec2100-hlg";
  if (ws === "" || /\b709\b|\bsRGB\b/i.test(ws)) return "rec709";
  return undefined;
}

/** How an OCIO config usually names the media color space for what Retake delivers. */
const OCIO_MEDIA_SPACE: Record<SequenceColorSpace | "aces2065-1", string> = {
  rec709: '"Rec.1886 Rec.709 - Display" in the ACES 2 / studio configs, "Output - Rec.709" in ACES 1.x',
  "rec2100-pq": '"Rec.2100-PQ - Display" in the ACES 2 / studio configs, "Output - Rec.2020 ST2084 (1000 nits)" in ACES 1.x',
  "rec2100-hlg": '"Rec.2100-HLG - Display" in the ACES 2 / studio configs, "Output - Rec.2020 HLG (1000 nits)" in ACES 1.x',
  "aces2065-1": '"ACES2065-1" (ACES 1.x: "ACES - ACES2065-1")',
};

/**
 * What the editor must set by hand after an import into an OCIO project, and why: After Effects'
 * UXP API has no per-footage color property (FileSource and FootageItem have none), and in OCIO
 * mode After Effects does not read a file's color tags; it gives the footage the config's default
 * (file rules) instead.
 */
export function ocioGuidance(footageName: string, delivered: SequenceColorSpace | "aces2065-1", settings: ProjectColorSettings): string | undefined {
  if (settings.engine !== "ocio") return undefined;
  const what = delivered === "aces2065-1" ? "linear ACES2065-1 (AP0) EXR frames" : `${COLOR_SPACE_LABEL[delivered]} (every color tag agreeing)`;
  const config = settings.ocioConfig ? ` (config: ${settings.ocioConfig.split(/[\\/]/).pop()})` : "";
  return [
    `Set the color by hand: select "${footageName}" in the Project panel, open File › Interpret Footage › Main › Color, and set Media Color Space to ${OCIO_MEDIA_SPACE[delivered]}${config}.`,
    `Why: the take is ${what}, but this project uses OCIO, where After Effects ignores a file's color tags and gives footage the config's default space; Retake cannot set it for you because After Effects' UXP API has no per-footage color setting.`,
  ].join(" ");
}
