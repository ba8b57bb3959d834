import { InputError } from "../../../common/src/errors.js";
import { includesStage, type ChainStage, type StageRange } from "../definitions/stage-range.js";
import { packageList, type ContainerDecision } from "./decide.js";

/**
 * The decisions of a run that covers only part of the chain (`--from`, `--to`), pure: the
 * steps outside it are dropped; a step inside it that reads what an earlier stage makes
 * needs that to be there and current, or the run is refused naming the stage to start
 * from. Unchecked facts (offline) cannot tell: the steps are kept, and fail when they run.
 */
export function restrictToStages(
  decisions: readonly ContainerDecision[],
  stages: StageRange,
  facts: { readonly checked: boolean; readonly deploys: boolean },
): ContainerDecision[] {
  const has = (stage: ChainStage) => includesStage(stages, stage);
  const problems: string[] = [];
  const restricted = decisions.map((decision): ContainerDecision => {
    const { target } = decision;
    const name = `${target.name}:${target.tag}`;
    const sif = has("sif") ? decision.sif : undefined;
    const publish = has("publish") ? decision.publish : [];
    const readsImage = target.kind === "spack" && (sif !== undefined || publish.length > 0);
    // Starting after the cache, the build installs what the cache holds, all of it.
    if (!has("cache") && has("containers") && decision.build && decision.packages?.missing.length)
      problems.push(
        `${name}: the build cache's index lacks ${decision.packages.missing.length} of its ${decision.packages.total} packages (${packageList(decision.packages.missing)}); run from cache`,
      );
    if (!has("containers") && decision.build && readsImage && facts.checked)
      problems.push(
        `${name}: its image is not usable (${decision.build.reason}); run from containers`,
      );
    let deploy = has("deploy") ? sif && decision.deploy : undefined;
    // Starting at the deploy stage deploys the SIF files there are, which must be current.
    if (stages.from === "deploy" && facts.deploys) {
      if (decision.sif && facts.checked)
        problems.push(`${name}: its SIF file is not usable (${decision.sif.reason}); run from sif`);
      deploy = { reason: "--from deploy: the SIF file in the bucket" };
    }
    const left = [
      ...(decision.build && !has("containers") ? ["build (before --from)"] : []),
      ...(decision.sif && !sif ? [`SIF (outside --from ${stages.from} --to ${stages.to})`] : []),
    ];
    const { build: _build, sif: _sif, deploy: _deploy, ...kept } = decision;
    return {
      ...kept,
      ...(has("containers") && decision.build ? { build: decision.build } : {}),
      ...(sif ? { sif } : {}),
      publish,
      ...(deploy ? { deploy } : {}),
      upToDate: [...decision.upToDate, ...left.map((step) => `${step}: left out`)],
    };
  });
  if (problems.length > 0) throw new InputError(problems.join("\n"));
  return restricted;
}
