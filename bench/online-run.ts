/**
 * One `jc generate-spacktainer-workflow` (or `jc create-jobs`) run for bench/online-workflow.ts,
 * in a process of its own: cold, as a CI job's run is, with nothing warmed by the benchmark's
 * own requests (it pushes hundreds of images before it measures). Its modules are loaded
 * before the clock starts. Argument: the run as JSON (`RunRequest`). Prints `BENCH_RUN <seconds> <CPU seconds>`
 * and, offline, `BENCH_TARGETS <json>`: what the benchmark pushes images for.
 */
import { runProcess } from "../common/src/run.js";
import {
  generateSpacktainerWorkflow,
  offlineWorkflowServices,
} from "../job-creator/src/commands/generate-workflow.js";
import {
  onlineServices,
  onlineWorkflowServices,
} from "../job-creator/src/commands/online-services.js";
import type { ServiceTuning } from "../job-creator/src/commands/online-services.js";
import { createJobsIn, workflowOptions } from "../test/helpers/generate.js";

export interface RunRequest {
  readonly repo: string;
  readonly lockDir: string;
  /** Absent: offline (`--offline`). */
  readonly online?: { readonly env: Record<string, string>; readonly tuning: ServiceTuning };
  /** `jc create-jobs` online instead (its output replaces the one the benchmark set up). */
  readonly createJobs?: boolean;
}

export interface PlannedTarget {
  readonly name: string;
  readonly kind: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly sifKey: string;
  readonly sifMetadata: Readonly<Record<string, string>>;
}

const run = JSON.parse(process.argv[2]!) as RunRequest;
const options = workflowOptions(run.repo, {
  lockDir: run.lockDir,
  branch: "main",
  defaultBranch: "main",
});
const services = run.online
  ? onlineWorkflowServices(run.online.env, runProcess, run.online.tuning)
  : offlineWorkflowServices(runProcess);
const quiet = { out: () => undefined, err: () => undefined };
const started = performance.now();
const cpuBefore = process.cpuUsage();
const planned =
  run.createJobs && run.online
    ? await createJobsIn(run.repo, quiet, {
        services: onlineServices(run.online.env, runProcess, run.online.tuning),
      }).then(() => [])
    : await generateSpacktainerWorkflow(options, services, quiet);
const cpu = process.cpuUsage(cpuBefore);
console.log(`BENCH_RUN ${(performance.now() - started) / 1000} ${(cpu.user + cpu.system) / 1e6}`);
if (!run.online) {
  const targets: PlannedTarget[] = planned.map(({ target }) => ({
    name: target.name,
    kind: target.kind,
    labels: target.kind === "spack" ? { ...target.labels } : {},
    sifKey: target.sifKey,
    sifMetadata: { ...target.sifMetadata },
  }));
  console.log(`BENCH_TARGETS ${JSON.stringify(targets)}`);
}
