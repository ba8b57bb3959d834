import equal from "fast-deep-equal";
import { groupBy } from "../group-by.js";
import { stepFunctionBefore } from "./steps.js";
import {
  isBridge,
  type CiEntry,
  type CiExtendingJob,
  type CiJob,
  type CiPipeline,
  type CiTemplate,
  type CiVariableValue,
} from "./types.js";

/** A job before compaction, with the group whose jobs may share a template of their own. */
export interface GroupedJob {
  readonly name: string;
  readonly group: string;
  readonly job: CiJob;
}

/** The names of the hidden templates: one all jobs share, one per group. Each starts with a dot. */
export interface TemplateNames {
  readonly shared: string;
  readonly group: (group: string) => string;
}

export interface CompactJobs {
  /** Template name -> body; a group's template extends the shared one. */
  readonly templates: ReadonlyMap<string, CiTemplate>;
  /** Job name -> its own keys and the template it extends (the job itself where nothing is shared). */
  readonly jobs: ReadonlyMap<string, CiJob | CiExtendingJob>;
  /** Job name -> the templates its file must hold, outermost first. */
  readonly templatesOf: ReadonlyMap<string, readonly string[]>;
}

type Body = Readonly<Record<string, unknown>>;
const asBody = (job: CiJob): Body => job as unknown as Body;

/**
 * Moves what jobs repeat into hidden templates: what every job has alike into the shared
 * template, what one group's jobs have alike into the group's; each job keeps the rest (for
 * Spack's rebuild jobs, grouped by container, the variables that identify its spec). A variable
 * every job has goes in a template with its most common value, and the jobs that give it
 * another value keep theirs, which GitLab's `extends:` merge lets win. So every job ends
 * with exactly the keys and variable values it had before (the tests resolve the templates
 * and compare). Templates are made only for groups of two jobs or more.
 */
export function compactJobs(jobs: readonly GroupedJob[], names: TemplateNames): CompactJobs {
  const shared = jobs.length >= 2 ? commonPart(jobs.map((j) => asBody(j.job))) : {};
  const rest = new Map(jobs.map((j) => [j.name, without(asBody(j.job), shared)]));
  const templates = new Map<string, CiTemplate>();
  const hasShared = Object.keys(shared).length > 0;
  if (hasShared) templates.set(names.shared, shared);
  const outer = hasShared ? [names.shared] : [];
  const byGroup = groupBy(jobs, (job) => job.group);
  const result = new Map<string, CiJob | CiExtendingJob>();
  const templatesOf = new Map<string, readonly string[]>();
  for (const [key, group] of byGroup) {
    const own = group.length >= 2 ? commonPart(group.map((j) => rest.get(j.name)!)) : {};
    const name = names.group(key);
    const chain = Object.keys(own).length > 0 ? [...outer, name] : outer;
    if (chain.length > outer.length)
      templates.set(name, hasShared ? { extends: names.shared, ...own } : own);
    for (const job of group) {
      const body = without(rest.get(job.name)!, own);
      const parent = chain.at(-1);
      result.set(job.name, parent ? { extends: parent, ...body } : job.job);
      templatesOf.set(job.name, chain);
    }
  }
  return { templates, jobs: result, templatesOf };
}

/** A pipeline's templates: `.job` for what all its jobs share, `.<stage> job` for a stage's. */
const PIPELINE_TEMPLATES: TemplateNames = { shared: ".job", group: (stage) => `.${stage} job` };

/**
 * The pipeline as it is written: what its script jobs repeat (image, tags, variables, the
 * step function and the failure line) in hidden templates, shared by all and by each stage's
 * jobs, instead of in every job. The jobs run exactly as before (the tests resolve the
 * templates and compare); each keeps its stage, so that it reads (and sorts) by stage
 * without them. Plans and pictures are drawn from the pipeline before this.
 */
export function compactPipeline(pipeline: CiPipeline): CiPipeline {
  const scriptJobs = Object.entries(pipeline.jobs).flatMap(([name, entry]) => {
    if (!isScriptJob(entry)) return [];
    const { stage, ...job } = stepFunctionBefore(entry);
    return [{ name, group: stage ?? "test", job }];
  });
  const compact = compactJobs(scriptJobs, PIPELINE_TEMPLATES);
  if (compact.templates.size === 0) return pipeline;
  const jobs = Object.fromEntries(
    Object.entries(pipeline.jobs).map(([name, entry]) => {
      const own = compact.jobs.get(name);
      if (!own) return [name, entry];
      const { stage } = entry;
      // Written as `extends`, `stage`, then the job's own keys.
      const head = "extends" in own ? { extends: own.extends } : {};
      return [name, { ...head, ...(stage === undefined ? {} : { stage }), ...own }];
    }),
  );
  return {
    ...pipeline,
    templates: { ...pipeline.templates, ...Object.fromEntries(compact.templates) },
    jobs,
  };
}

const isScriptJob = (entry: CiEntry): entry is CiJob => !isBridge(entry) && !("extends" in entry);

/**
 * What a template of these bodies holds: each key whose value is the same in every body,
 * and each variable every body has, with the value most of them give it (those that give
 * another keep theirs, which wins over the template's). Other hashes (`image`, `retry`)
 * only when identical: GitLab merges them key by key, so a job's own could not replace them.
 */
function commonPart(bodies: readonly Body[]): Record<string, unknown> {
  const [first, ...others] = bodies;
  if (!first) return {};
  const common: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(first)) {
    if (key === "variables") continue;
    if (others.every((b) => key in b && equal(b[key], value))) common[key] = value;
  }
  const all = bodies.map(variablesOf);
  const variables: Record<string, CiVariableValue> = {};
  for (const name of Object.keys(all[0]!)) {
    // Strings, numbers and booleans count by themselves; a `{value}` by one object per text.
    const counts = new Map<CiVariableValue, number>();
    const objectByText = new Map<string, CiVariableValue>();
    let everyBody = true;
    for (const given of all) {
      let value = given[name];
      if (value === undefined) {
        everyBody = false;
        break;
      }
      if (typeof value === "object") {
        const text = JSON.stringify(value);
        value = objectByText.get(text) ?? objectByText.set(text, value).get(text)!;
      }
      counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    if (!everyBody) continue;
    // The most common value; of equally common ones, the first seen.
    let [most, mostCount] = [undefined as CiVariableValue | undefined, 0];
    for (const [value, count] of counts) if (count > mostCount) [most, mostCount] = [value, count];
    if (mostCount >= 2) variables[name] = most!;
  }
  if (Object.keys(variables).length > 0) common["variables"] = variables;
  return common;
}

/** The body without what the template gives it: its keys, and variables of the same value. */
function without(body: Body, template: Body): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "variables") continue;
    if (!(key in template)) result[key] = value;
  }
  const given = variablesOf(template);
  const variables = Object.fromEntries(
    Object.entries(variablesOf(body)).filter(
      ([name, value]) => !(name in given) || !equal(given[name], value),
    ),
  );
  if (Object.keys(variables).length > 0) result["variables"] = variables;
  return result;
}

const variablesOf = (body: Body): Readonly<Record<string, CiVariableValue>> =>
  (body["variables"] ?? {}) as Readonly<Record<string, CiVariableValue>>;
