import { describe, expect, it } from "vitest";
import { resolveExtends } from "./extends.js";
import type { CiJob } from "./types.js";
import {
  compactJobs as compactWith,
  compactPipeline,
  type GroupedJob,
  type TemplateNames,
} from "./compact.js";
import { toCiDocument } from "./render.js";
import { stepFunctionBefore, steppedScript } from "./steps.js";

const SHARED_TEMPLATE = ".spack rebuild";
const containerTemplate = (container: string) => `.spack rebuild for ${container}`;
const NAMES: TemplateNames = { shared: SHARED_TEMPLATE, group: containerTemplate };
const compactJobs = (jobs: readonly GroupedJob[]) => compactWith(jobs, NAMES);

const job = (name: string, container: string, extra: Partial<CiJob> = {}): GroupedJob => ({
  name,
  group: container,
  job: {
    image: { name: "builder", entrypoint: [""] },
    script: ["spack ci rebuild"],
    tags: ["k8s"],
    retry: { max: 2, when: ["always"] },
    artifacts: { paths: [`jobs_scratch_dir/${container}/logs`] },
    ...extra,
    variables: {
      CPU: "2",
      ROOT: `jobs_scratch_dir/${container}`,
      SPACK_JOB_SPEC_DAG_HASH: `hash-${name}`,
      ...extra.variables,
    },
  },
});

/** Every job as GitLab sees it once the templates are merged in. */
function resolved(jobs: readonly GroupedJob[]) {
  const compact = compactJobs(jobs);
  const doc = { ...Object.fromEntries(compact.templates), ...Object.fromEntries(compact.jobs) };
  return new Map(
    jobs.map((j) => [j.name, resolveExtends(doc, doc[j.name] as Record<string, unknown>)]),
  );
}

describe("compactJobs", () => {
  it("moves what all jobs share into one template and a container's into its own", () => {
    const jobs = [job("a", "x"), job("b", "x"), job("c", "x"), job("d", "y"), job("e", "y")];
    const { templates, jobs: own, templatesOf } = compactJobs(jobs);
    // ROOT: every job has it, most give x's value; y's jobs give theirs in y's template.
    expect(templates.get(SHARED_TEMPLATE)).toMatchObject({
      script: ["spack ci rebuild"],
      variables: { CPU: "2", ROOT: "jobs_scratch_dir/x" },
    });
    expect(templates.get(containerTemplate("x"))).toEqual({
      extends: SHARED_TEMPLATE,
      artifacts: { paths: ["jobs_scratch_dir/x/logs"] },
    });
    expect(templates.get(containerTemplate("y"))).toEqual({
      extends: SHARED_TEMPLATE,
      artifacts: { paths: ["jobs_scratch_dir/y/logs"] },
      variables: { ROOT: "jobs_scratch_dir/y" },
    });
    expect(own.get("a")).toEqual({
      extends: containerTemplate("x"),
      variables: { SPACK_JOB_SPEC_DAG_HASH: "hash-a" },
    });
    expect(templatesOf.get("d")).toEqual([SHARED_TEMPLATE, containerTemplate("y")]);
  });

  it("gives every job exactly what it had, whatever differs", () => {
    const jobs = [
      job("a", "x"),
      job("b", "x", { variables: { CPU: "8" } }),
      job("c", "x", { retry: { max: 1 } }),
      job("d", "y", { variables: { CPU: "8", EXTRA: "1" } }),
      job("e", "y", { variables: { CPU: "8" }, image: "other" }),
      job("f", "z", { tags: ["big"] }),
    ];
    const after = resolved(jobs);
    for (const { name, job: before } of jobs) expect(after.get(name), name).toEqual(before);
  });

  it("lets a job's own variable win over the template's most common value", () => {
    const jobs = [job("a", "x"), job("b", "x"), job("c", "x", { variables: { CPU: "16" } })];
    const { templates, jobs: own } = compactJobs(jobs);
    expect(templates.get(SHARED_TEMPLATE)?.variables).toMatchObject({ CPU: "2" });
    expect(own.get("c")?.variables).toMatchObject({ CPU: "16" });
    expect(resolved(jobs).get("c")!["variables"]).toMatchObject({ CPU: "16" });
  });

  it("of equally common values, puts the first seen in the template", () => {
    const cpus = ["4", "8", "8", "4", "2"];
    const jobs = cpus.map((cpu, i) => job(`j${i}`, "x", { variables: { CPU: cpu } }));
    expect(compactJobs(jobs).templates.get(SHARED_TEMPLATE)?.variables).toMatchObject({
      CPU: "4",
    });
    expect(compactJobs(jobs.slice(1)).templates.get(SHARED_TEMPLATE)?.variables).toMatchObject({
      CPU: "8",
    });
  });

  it("never puts a variable in a template that some job does not have", () => {
    const jobs = [job("a", "x", { variables: { ONLY: "a" } }), job("b", "x")];
    const { templates } = compactJobs(jobs);
    expect(templates.get(SHARED_TEMPLATE)?.variables).not.toHaveProperty("ONLY");
    expect(resolved(jobs).get("b")!["variables"]).not.toHaveProperty("ONLY");
  });

  it("counts `{value}` variables by their content, never as the string of the same text", () => {
    const spelled = { value: "on", expand: false };
    const jobs = [
      job("a", "x", { variables: { MODE: { ...spelled } } }),
      job("b", "x", { variables: { MODE: { ...spelled } } }),
      job("c", "x", { variables: { MODE: JSON.stringify(spelled) } }),
      job("d", "x", { variables: { MODE: JSON.stringify(spelled), NUM: 1 } }),
      job("e", "x", { variables: { MODE: { ...spelled }, NUM: "1" } }),
    ];
    const { templates, jobs: own } = compactJobs(jobs);
    expect(templates.get(SHARED_TEMPLATE)?.variables).toMatchObject({ MODE: spelled });
    expect(own.get("c")?.variables).toMatchObject({ MODE: JSON.stringify(spelled) });
    expect(own.get("b")?.variables).not.toHaveProperty("MODE");
    const after = resolved(jobs);
    for (const { name, job: before } of jobs) expect(after.get(name), name).toEqual(before);
  });

  it("leaves a lone job as it is", () => {
    const jobs = [job("a", "x")];
    const { templates, jobs: own } = compactJobs(jobs);
    expect(templates.size).toBe(0);
    expect(own.get("a")).toEqual(jobs[0]!.job);
  });
});

describe("compactPipeline", () => {
  const stepped = (line: string) => steppedScript([{ name: "run", title: "Run", lines: [line] }]);
  const scriptJob = (stage: string, line: string, extra: Partial<CiJob> = {}): CiJob => ({
    stage,
    image: stage === "sif" ? "apptainer" : "buildah",
    tags: ["k8s"],
    variables: { CPU: "4", [`ONLY_${stage.toUpperCase()}`]: "1" },
    ...stepped(line),
    ...extra,
  });
  const pipeline = {
    stages: ["archive", "build", "sif", "children"],
    jobs: {
      archive: scriptJob("archive", "archive", { before_script: ["npm ci"], needs: [] }),
      "build a": scriptJob("build", "build a"),
      "build b": scriptJob("build", "build b", { variables: { CPU: "16", ONLY_BUILD: "1" } }),
      "sif a": scriptJob("sif", "sif a", { needs: [{ job: "build a", artifacts: false }] }),
      "sif b": scriptJob("sif", "sif b", { needs: [{ job: "build b", artifacts: false }] }),
      child: { stage: "children", trigger: { include: [{ local: "child.yml" }] } },
    },
  };

  it("runs every job as before, the step function first in its before_script", () => {
    const doc = toCiDocument(compactPipeline(pipeline));
    for (const [name, before] of Object.entries(pipeline.jobs)) {
      const after = resolveExtends(doc, doc[name] as Record<string, unknown>);
      const expected = "trigger" in before ? before : stepFunctionBefore(before);
      expect(after, name).toEqual(expected);
    }
    expect(doc["child"]).toEqual(pipeline.jobs.child);
  });

  it("writes what repeats once: in the shared template and in each stage's", () => {
    const written = compactPipeline(pipeline);
    expect(Object.keys(written.templates ?? {})).toEqual([".job", ".build job", ".sif job"]);
    expect(written.templates?.[".job"]).toMatchObject({
      tags: ["k8s"],
      variables: { CPU: "4" },
      after_script: stepped("x").after_script,
    });
    // The step function is the same line in every build job, so their template holds it.
    expect(written.templates?.[".build job"]?.before_script).toEqual([stepped("x").script[0]]);
    expect(written.jobs["build a"]).toEqual({
      extends: ".build job",
      stage: "build",
      script: stepped("build a").script.slice(1),
    });
    expect(written.jobs["build b"]).toMatchObject({ variables: { CPU: "16" } });
    // Each job keeps its stage: it reads and sorts by stage without the templates.
    for (const [name, job] of Object.entries(written.jobs))
      expect(job.stage, name).toBe(pipeline.jobs[name as keyof typeof pipeline.jobs].stage);
  });

  it("leaves a pipeline with nothing to share as it is", () => {
    const lone = { stages: ["build"], jobs: { only: scriptJob("build", "x") } };
    expect(compactPipeline(lone)).toBe(lone);
  });
});
