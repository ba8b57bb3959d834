import { cp, mkdir, readdir, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseDotenv } from "dotenv";
import { load } from "js-yaml";
import { runJobShell, type ImageEnvironment } from "./job-shell.js";
import { evaluateRules, expand, type Rule } from "./rules.js";
import { jobOrder, type Need, type PipelineJob } from "./job-order.js";

type Variables = Record<string, string>;

/** One job as it ran (or did not): what a test and the fake GitLab API look at. */
export interface JobRecord {
  readonly id: number;
  readonly name: string;
  readonly stage: string;
  status: "success" | "failed" | "skipped" | "manual";
  readonly image?: string;
  artifactsDir?: string;
  dotenv: Variables;
  output: string;
  downstream?: PipelineRecord;
  readonly standIns: readonly string[];
  /** Run again after a failure of this machine's container runtime (`HOST_RUNTIME_FAULT`). */
  retriedAfter?: string;
}

export interface PipelineRecord {
  readonly id: number;
  readonly file: string;
  readonly parent?: PipelineRecord;
  readonly jobs: JobRecord[];
  status: "success" | "failed";
}

export interface RunnerOptions {
  /** The repository as GitLab checks it out for every job. */
  readonly checkout: string;
  /** Scratch space: one folder per job (its checkout, home, artifacts). */
  readonly workRoot: string;
  /** Predefined variables and the project's CI/CD variables. */
  readonly variables: Readonly<Variables>;
  /** What the job's (expanded) image provides on this machine. */
  readonly imageEnvironment: (image: string) => ImageEnvironment;
  /** The first pipeline and job id: ids must stay unique across runs the API shows together. */
  readonly firstId: number;
  /** Called whenever a job has finished, e.g. to publish it through the fake GitLab API. */
  readonly onJob?: (pipeline: PipelineRecord, job: JobRecord) => void;
}

/**
 * A failure of the container runtime on this machine, not of the job: buildah's chroot
 * isolation re-executes itself from a sealed in-memory copy (runc's cloned-binary
 * protection), and sealing that copy now and then fails with EBUSY (seen once in six runs of
 * the suite, in the `RUN --mount=type=secret` step of a build that passed on every other run).
 * A job failing on it is run once more, as someone would retry it in GitLab, and the report
 * says so; any other failure stands.
 */
export const HOST_RUNTIME_FAULT = /sealing memfd copy: Device or resource busy/;

/**
 * Runs a generated pipeline the way GitLab would, one job after another in an order its
 * stages and `needs` allow: each job in a fresh copy of the checkout with the artifacts
 * of what it needs (of the parent pipeline for `needs: pipeline:`), dotenv reports passed
 * on as variables, `rules:` evaluated, and trigger jobs running their child pipeline from
 * an artifact (`strategy: depend` makes the bridge's status the child's).
 */
export class PipelineRunner {
  private nextId: number;
  readonly pipelines: PipelineRecord[] = [];

  constructor(private readonly options: RunnerOptions) {
    this.nextId = options.firstId;
  }

  async run(
    file: string,
    context: { parent?: PipelineRecord; variables?: Readonly<Variables> } = {},
  ): Promise<PipelineRecord> {
    const doc = load(await readFile(file, "utf8")) as Record<string, unknown>;
    const pipeline: PipelineRecord = {
      id: this.nextId++,
      file,
      ...(context.parent ? { parent: context.parent } : {}),
      jobs: [],
      status: "success",
    };
    this.pipelines.push(pipeline);
    const globals = (doc.variables ?? {}) as Variables;
    const base: Variables = {
      ...this.options.variables,
      CI_PIPELINE_ID: String(pipeline.id),
      ...expandAll(globals, this.options.variables),
      ...context.variables,
    };
    const files = await checkoutFiles(this.options.checkout);
    const workflow = (doc.workflow as { rules?: Rule[] } | undefined)?.rules;
    if (evaluateRules(workflow, base, files) === "never")
      throw new Error(`${file}: workflow:rules create no pipeline for these variables`);
    const jobs = jobOrder(doc);
    for (const job of jobs) {
      const attempt = () => this.runJob(pipeline, job, base, files, context.variables ?? {});
      let record = await attempt();
      const fault = record.status === "failed" && HOST_RUNTIME_FAULT.exec(record.output)?.[0];
      if (fault) record = { ...(await attempt()), retriedAfter: fault };
      pipeline.jobs.push(record);
      if (record.status === "failed" && !job.allowFailure) pipeline.status = "failed";
      this.options.onJob?.(pipeline, record);
    }
    return pipeline;
  }

  private async runJob(
    pipeline: PipelineRecord,
    job: PipelineJob,
    base: Variables,
    files: readonly string[],
    pipelineVariables: Readonly<Variables>,
  ): Promise<JobRecord> {
    const id = this.nextId++;
    const needed = job.needs.map((need) => this.findNeeded(pipeline, need, base));
    const dotenv = Object.assign({}, ...needed.map((n) => (n.artifacts ? n.job.dotenv : {})));
    const variables: Variables = {
      ...base,
      ...dotenv,
      CI_JOB_ID: String(id),
      CI_JOB_NAME: job.name,
      CI_JOB_STAGE: job.stage,
    };
    Object.assign(variables, expandAll(job.variables, variables), pipelineVariables);
    const image = job.image === undefined ? undefined : expand(job.image, variables);
    const record: JobRecord = {
      id,
      name: job.name,
      stage: job.stage,
      status: "skipped",
      ...(image ? { image } : {}),
      dotenv: {},
      output: "",
      standIns: [],
    };
    const when = evaluateRules(job.rules, variables, files);
    if (when === "never") return { ...record, status: "skipped" };
    if (when === "manual") return { ...record, status: "manual" };
    const blocked = needed.find((n) => n.job.status !== "success" && !n.optional);
    if (blocked && when !== "always") {
      record.output = `skipped: needs ${blocked.job.name} (${blocked.job.status})`;
      return record;
    }
    const workdir = join(this.options.workRoot, `job-${id}`, "checkout");
    await cp(this.options.checkout, workdir, { recursive: true, verbatimSymlinks: true });
    for (const n of needed.filter((x) => x.artifacts && x.job.artifactsDir))
      await cp(n.job.artifactsDir!, workdir, { recursive: true, force: true });
    variables.CI_PROJECT_DIR = workdir;
    variables.CI_BUILDS_DIR = this.options.workRoot;
    if (job.trigger) return this.runBridge(pipeline, job, record, workdir, variables);
    const environment = image ? this.options.imageEnvironment(image) : {};
    const result = await runJobShell({
      workdir,
      scratch: join(this.options.workRoot, `job-${id}`),
      lines: [...job.beforeScript, ...job.script],
      variables,
      image: environment,
    });
    const succeeded = result.code === 0;
    // As GitLab does: a shell of its own, told how the script ended; its failure changes nothing.
    const after =
      job.afterScript.length > 0
        ? await runJobShell({
            workdir,
            scratch: join(this.options.workRoot, `job-${id}`, "after"),
            lines: job.afterScript,
            variables: {
              ...variables,
              CI_JOB_STATUS: succeeded ? "success" : "failed",
              CI_JOB_URL: `http://gitlab.invalid/-/jobs/${id}`,
            },
            image: environment,
          })
        : undefined;
    return {
      ...record,
      status: succeeded ? "success" : "failed",
      output: result.output + (after?.output ?? ""),
      standIns: environment.standIns ?? [],
      ...(await this.collectArtifacts(job, workdir, id, succeeded)),
    };
  }

  private async runBridge(
    pipeline: PipelineRecord,
    job: PipelineJob,
    record: JobRecord,
    workdir: string,
    variables: Variables,
  ): Promise<JobRecord> {
    const include = job.trigger!.include;
    const childFile = join(workdir, include.artifact);
    if (!existsSync(childFile)) {
      return { ...record, status: "failed", output: `trigger: ${include.artifact} is missing` };
    }
    const forwarded = expandAll(job.variables, variables);
    const child = await this.run(childFile, { parent: pipeline, variables: forwarded });
    return {
      ...record,
      status: child.status,
      output: `child pipeline ${child.id} (${include.artifact}): ${child.status}`,
      downstream: child,
    };
  }

  private findNeeded(pipeline: PipelineRecord, need: Need, variables: Variables) {
    const source = need.pipeline
      ? this.pipelines.find((p) => String(p.id) === expand(need.pipeline!, variables))
      : pipeline;
    const job = source?.jobs.find((j) => j.name === need.job);
    if (!job && !need.optional)
      throw new Error(
        `needs ${need.job}${need.pipeline ? " of " + need.pipeline : ""}: no such job ran`,
      );
    return {
      job: job ?? ({ status: "skipped", dotenv: {}, name: need.job } as JobRecord),
      artifacts: need.artifacts,
      optional: need.optional,
    };
  }

  private async collectArtifacts(job: PipelineJob, workdir: string, id: number, ok: boolean) {
    const spec = job.artifacts;
    if (!spec || (!ok && spec.when !== "always")) return {};
    const dir = join(this.options.workRoot, `job-${id}`, "artifacts");
    await mkdir(dir, { recursive: true });
    for (const path of [...spec.paths, ...(spec.dotenv ? [spec.dotenv] : [])]) {
      const from = join(workdir, path);
      if (existsSync(from)) await cp(from, join(dir, path), { recursive: true });
    }
    const dotenvFile = spec.dotenv ? join(workdir, spec.dotenv) : undefined;
    const dotenv =
      dotenvFile && existsSync(dotenvFile) ? parseDotenv(await readFile(dotenvFile)) : {};
    return { artifactsDir: dir, dotenv };
  }
}

function expandAll(values: Readonly<Variables>, scope: Readonly<Variables>): Variables {
  const result: Variables = {};
  for (const [key, value] of Object.entries(values))
    result[key] = expand(value, { ...scope, ...result });
  return result;
}

async function checkoutFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.parentPath.includes("node_modules"))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}
