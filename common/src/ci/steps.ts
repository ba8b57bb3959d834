import { shellQuote } from "../shell.js";
import type { CiJob } from "./types.js";

/*
 * Step-labelled job logs: a job's script as named steps, each a collapsible section of
 * GitLab's log (section_start / section_end, which GitLab times) that ends with its own
 * duration, and an after_script that, when the job failed, ends the log with which
 * container, architecture and step failed and where the log is.
 * @see https://docs.gitlab.com/ee/ci/jobs/job_logs.html#custom-collapsible-sections
 */

/** One named part of a job's script. `name` is a section name: letters, digits and `_`. */
export interface JobStep {
  readonly name: string;
  readonly title: string;
  readonly lines: readonly string[];
  /** Shown folded in GitLab's log (routine steps such as logins). */
  readonly collapsed?: boolean;
}

/** Where a job records its current step for the after_script (in the project folder, whatever `cd` the script did). */
export const STEP_FILE = ".spacktainers-step";

/**
 * The first line of a stepped script: `spacktainers_step NAME TITLE [collapsed]` closes the
 * step before (printing its duration) and opens the next; without arguments it closes the
 * last. GitLab runs a job's script lines in one shell, so the function lives for all of them.
 */
const STEP_FUNCTION = [
  "spacktainers_step() {",
  'if [ -n "${SPACKTAINERS_STEP:-}" ]; then',
  `printf '\\033[0Ksection_end:%s:%s\\r\\033[0K%s took %ss\\n' "$(date +%s)" "$SPACKTAINERS_STEP" "$SPACKTAINERS_STEP" "$(( $(date +%s) - SPACKTAINERS_STEP_START ))";`,
  "fi;",
  'if [ "$#" -eq 0 ]; then SPACKTAINERS_STEP=; return 0; fi;',
  "SPACKTAINERS_STEP=$1; SPACKTAINERS_STEP_START=$(date +%s);",
  `echo "$1" > "\${CI_PROJECT_DIR:-.}/${STEP_FILE}";`,
  `printf '\\033[0Ksection_start:%s:%s[collapsed=%s]\\r\\033[0K\\033[36;1m%s\\033[0m\\n' "$SPACKTAINERS_STEP_START" "$1" "\${3:-false}" "$2";`,
  "}",
].join(" ");

const SECTION_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The job's `script` and `after_script` from its steps (pure). The failure line names the
 * job by its name (`$CI_JOB_NAME`), so the after_script is the same line in every job and a
 * hidden template can hold it once.
 */
export function steppedScript(steps: readonly JobStep[]): Pick<CiJob, "script" | "after_script"> {
  const script = [STEP_FUNCTION];
  for (const step of steps) {
    if (!SECTION_NAME.test(step.name)) throw new Error(`bad step name ${step.name}`);
    script.push(
      `spacktainers_step ${step.name} ${shellQuote(step.title)}${step.collapsed ? " true" : ""}`,
      ...step.lines,
    );
  }
  script.push("spacktainers_step");
  return { script, after_script: [FAILURE_SUMMARY] };
}

/**
 * The job with the step function defined first in its before_script instead of its script.
 * GitLab runs before_script and script in one shell, so the function still serves every
 * step; there it is the same lines in every job, which a template can hold once.
 * @see https://docs.gitlab.com/ee/ci/yaml/#before_script
 */
export function stepFunctionBefore<J extends CiJob>(job: J): J {
  if (job.script[0] !== STEP_FUNCTION) return job;
  return {
    ...job,
    before_script: [STEP_FUNCTION, ...(job.before_script ?? [])],
    script: job.script.slice(1),
  };
}

/** The after_script line: on failure, which job failed, in which step, and where the log is. */
const FAILURE_SUMMARY = [
  'if [ "$CI_JOB_STATUS" = failed ]; then',
  `printf '\\033[31;1m%s failed in step "%s"\\033[0m: its log is that section above, in %s\\n' "$CI_JOB_NAME" "$(cat "\${CI_PROJECT_DIR:-.}/${STEP_FILE}" 2>/dev/null || echo 'setup (before the first step)')" "$CI_JOB_URL";`,
  "fi",
].join(" ");
