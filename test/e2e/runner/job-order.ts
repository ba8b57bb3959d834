import { resolveExtends } from "../../../common/src/ci/extends.js";
import type { Rule } from "./rules.js";

/** A `needs:` entry: a job of this pipeline, or of another one (`pipeline: $PARENT_PIPELINE_ID`). */
export interface Need {
  readonly job: string;
  readonly pipeline?: string;
  readonly artifacts: boolean;
  readonly optional: boolean;
}

/** A job of a pipeline file, with GitLab's defaults filled in. */
export interface PipelineJob {
  readonly name: string;
  readonly stage: string;
  readonly image?: string;
  /** The job's own `variables:` (the runner adds the global ones and GitLab's). */
  readonly variables: Readonly<Record<string, string>>;
  readonly needs: readonly Need[];
  readonly rules?: readonly Rule[];
  readonly beforeScript: readonly string[];
  readonly script: readonly string[];
  /** Run after the script in a shell of its own, whatever the script did (GitLab's after_script). */
  readonly afterScript: readonly string[];
  readonly artifacts?: { paths: readonly string[]; when?: string; dotenv?: string };
  readonly trigger?: { include: { artifact: string; job: string } };
  readonly allowFailure: boolean;
}

const KEYWORDS = new Set(["stages", "variables", "workflow", "default", "include", "image"]);
const DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"];

type Raw = Record<string, unknown>;

/**
 * The jobs of a pipeline document in an order GitLab could run them one at a time: by
 * stage, and within a stage after everything the job `needs`. A job without `needs`
 * waits for every job of the earlier stages, and receives their artifacts.
 */
export function jobOrder(doc: Raw): PipelineJob[] {
  const stages = [".pre", ...((doc.stages as string[] | undefined) ?? DEFAULT_STAGES), ".post"];
  const defaults = (doc.default ?? {}) as Raw;
  const raw = Object.entries(doc).filter(([name]) => !KEYWORDS.has(name) && !name.startsWith("."));
  const jobs = raw.map(([name, body]) =>
    toJob(name, { ...defaults, ...resolveExtends(doc, body as Raw) }),
  );
  const rank = (job: PipelineJob) => stages.indexOf(job.stage);
  for (const job of jobs)
    if (rank(job) < 0) throw new Error(`job ${job.name}: stage ${job.stage} is not in stages`);
  const withImplicitNeeds = jobs.map((job): PipelineJob =>
    job.needs.length > 0 || hasExplicitNeeds(doc, job.name)
      ? job
      : {
          ...job,
          needs: jobs
            .filter((other) => rank(other) < rank(job))
            .map((other) => ({ job: other.name, artifacts: true, optional: true })),
        },
  );
  const ordered: PipelineJob[] = [];
  const placed = new Set<string>();
  const pending = [...withImplicitNeeds].sort((a, b) => rank(a) - rank(b));
  while (pending.length > 0) {
    const index = pending.findIndex((job) =>
      job.needs.every(
        (n) => n.pipeline || placed.has(n.job) || !pending.some((p) => p.name === n.job),
      ),
    );
    if (index < 0)
      throw new Error(`needs form a cycle among ${pending.map((j) => j.name).join(", ")}`);
    const [job] = pending.splice(index, 1);
    ordered.push(job!);
    placed.add(job!.name);
  }
  return ordered;
}

function hasExplicitNeeds(doc: Raw, name: string): boolean {
  return Array.isArray((doc[name] as Raw).needs);
}

function toJob(name: string, body: Raw): PipelineJob {
  const image = typeof body.image === "string" ? body.image : (body.image as Raw | undefined)?.name;
  const artifacts = body.artifacts as Raw | undefined;
  const reports = artifacts?.reports as Raw | undefined;
  const trigger = body.trigger as Raw | undefined;
  const include = (trigger?.include as Raw[] | undefined)?.[0];
  const own = Object.fromEntries(
    Object.entries((body.variables ?? {}) as Raw).map(([k, v]) => [k, String(v)]),
  );
  return {
    name,
    stage: (body.stage as string | undefined) ?? "test",
    ...(typeof image === "string" ? { image } : {}),
    variables: own,
    needs: ((body.needs ?? []) as (string | Raw)[]).map((need) =>
      typeof need === "string"
        ? { job: need, artifacts: true, optional: false }
        : {
            job: need.job as string,
            ...(need.pipeline ? { pipeline: need.pipeline as string } : {}),
            artifacts: need.artifacts !== false,
            optional: need.optional === true,
          },
    ),
    ...(body.rules ? { rules: body.rules as Rule[] } : {}),
    beforeScript: lines(body.before_script),
    script: lines(body.script),
    afterScript: lines(body.after_script),
    ...(artifacts
      ? {
          artifacts: {
            paths: (artifacts.paths ?? []) as string[],
            ...(artifacts.when ? { when: artifacts.when as string } : {}),
            ...(reports?.dotenv ? { dotenv: reports.dotenv as string } : {}),
          },
        }
      : {}),
    ...(include
      ? {
          trigger: {
            include: { artifact: include.artifact as string, job: include.job as string },
          },
        }
      : {}),
    allowFailure: body.allow_failure === true,
  };
}

/** Script lines; nested lists (from YAML anchors) are flattened as GitLab does. */
function lines(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value === "string") return [value];
  return (value as unknown[]).flat(10).map(String);
}
