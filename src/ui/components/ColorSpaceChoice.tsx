import { COLOR_SPACE_LABEL, type SequenceColorSpace, type SequenceContext } from "../../core/schemas/index.js";
import { usePanelController } from "../controller/PanelControllerContext.js";
import { hostWords } from "../hostWords.js";

const CHOICES: SequenceColorSpace[] = ["rec709", "rec2100-pq", "rec2100-hlg"];

/**
 * Shown when the host cannot read the sequence's color space and none was set for Retake: takes
 * would be made for Rec.709 on a guess, silently wrong for an HDR sequence. Says so, and lets the
 * editor say which it is (kept on the sequence by the host, one undo step).
 */
export function ColorSpaceChoice({ context }: { context: SequenceContext }) {
  const controller = usePanelController();
  const words = hostWords(context.host);
  return (
    <div className="color-space-choice" role="note" aria-label="Color space not known">
      <span>
        {words.app} cannot tell Retake this {words.sequence}'s color space, so takes are made for{" "}
        {COLOR_SPACE_LABEL[context.colorSpace]}. If the {words.sequence} is HDR, say which:
      </span>
      <select
        aria-label={`The ${words.sequence}'s color space`}
        value=""
        onChange={(event) => {
          const value = event.target.value as SequenceColorSpace;
          if (value) void controller.setSequenceColorSpace(value);
        }}
      >
        <option value="">Choose…</option>
        {CHOICES.map((cs) => (
          <option key={cs} value={cs}>
            {COLOR_SPACE_LABEL[cs]}
          </option>
        ))}
      </select>
    </div>
  );
}
