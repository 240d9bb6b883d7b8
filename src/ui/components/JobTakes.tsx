import { useMemo } from "react";
import { useShallow } from "zustand/react/shallow";
import type { Job, Take } from "../../core/schemas/index.js";
import { roundHeading } from "../loopWords.js";
import { usePanelStore, type CompareScope } from "../state/createPanelStore.js";
import { canEnhance, comparedTakes, enhanceProviderFor } from "../state/selectors.js";
import { bestTakeId, groupTakesByRound, latestRound, takeNames } from "../state/takeGroups.js";
import { CompareView } from "./CompareView.js";
import { TakeCard } from "./TakeCard.js";

/**
 * A job's takes as the editor reads them: the compare view when two are picked, then one group
 * per refinement round ("Round 2 · refined"), each round's takes best first, the best take marked.
 * The same for the current job and for a job opened in the history.
 */
export function JobTakes({ job, takes, scope }: { job: Job; takes: readonly Take[]; scope: CompareScope }) {
  const groups = useMemo(() => groupTakesByRound(takes), [takes]);
  const names = useMemo(() => takeNames(takes), [takes]);
  const best = bestTakeId(job, takes);
  const newest = latestRound(takes);
  const finalOn = usePanelStore((s) => enhanceProviderFor(job, s.providers, s.enhanceProviderId)?.label);
  const compared = usePanelStore(useShallow((s) => comparedTakes(s, scope) ?? []));
  const picked = usePanelStore(useShallow((s) => s.compare[scope]));
  const rate = job.frame.sequence.frameRate;
  const dropFrame = job.frame.sequence.dropFrame;
  // A plain job is one round: a heading would only repeat the results title.
  const headed = job.auto !== undefined || groups.length > 1;
  const nameOf = (id: string) => names.get(id) ?? "a take";

  return (
    <>
      {compared.length === 2 ? (
        <CompareView takes={[compared[0]!, compared[1]!]} names={[nameOf(compared[0]!.id), nameOf(compared[1]!.id)]} rate={rate} scope={scope} />
      ) : (
        picked.length === 1 && (
          <p className="hint" role="status">
            {nameOf(picked[0]!)} picked to compare: pick one more take.
          </p>
        )
      )}
      {groups.map((group) => {
        const headingId = `${scope}-${job.id}-round-${group.iteration}`;
        return (
          <section key={group.iteration} className="take-round" aria-labelledby={headed ? headingId : undefined}>
            {headed && (
              <h3 id={headingId} className="round-title">
                {roundHeading(group.iteration, group.takes.length, job.mode)}
              </h3>
            )}
            <div className="take-grid">
              {group.takes.map((take) => (
                <TakeCard
                  key={take.id}
                  take={take}
                  name={nameOf(take.id)}
                  rate={rate}
                  dropFrame={dropFrame}
                  scope={scope}
                  best={take.id === best}
                  enhanceable={canEnhance(job, take) && finalOn !== undefined}
                  finalOn={finalOn}
                  {...(job.upscaleOf ? { upscaleSize: job.upscaleOf.size } : {})}
                  preload={scope === "direct" && group.iteration === newest ? "auto" : "metadata"}
                />
              ))}
            </div>
          </section>
        );
      })}
    </>
  );
}
