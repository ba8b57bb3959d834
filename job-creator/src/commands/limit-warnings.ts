import type { Output } from "../../../common/src/cli.js";
import { checkCiLimits, type CiLimits } from "../../../common/src/ci/limits.js";
import type { WrittenPipeline } from "../../../common/src/ci/render.js";

/** Warnings shown at most: one is enough to act on, a long list only buries the rest. */
const SHOWN = 3;

/**
 * What GitLab may refuse in a pipeline file a command wrote (its size, jobs, needs): warnings
 * naming the file and `remedy`. Not errors: the byte budget is kept well under GitLab's own
 * limit, which an instance may raise. Checked on the document the text was rendered from, not
 * on the text parsed back (a megabyte of YAML at 200 containers).
 */
export function pipelineLimitWarnings(
  file: string,
  { doc, text }: WrittenPipeline,
  limits: CiLimits,
  remedy: string,
): string[] {
  const problems = checkCiLimits(doc, Buffer.byteLength(text), limits);
  const shown = problems.slice(0, SHOWN).map((p) => `${file}: ${p}`);
  if (problems.length > SHOWN) shown.push(`${file}: and ${problems.length - SHOWN} more`);
  return shown.length > 0 ? [...shown, `GitLab may refuse ${file}: ${remedy}`] : [];
}

/** Prints `pipelineLimitWarnings`, each as a `warning:` line of the command's output. */
export function warnOverLimits(
  output: Output,
  ...args: Parameters<typeof pipelineLimitWarnings>
): void {
  for (const warning of pipelineLimitWarnings(...args)) output.out(`warning: ${warning}`);
}
