import { describe, expect, it } from "vitest";
import { resolveExtends } from "../../../common/src/ci/extends.js";
import type { CiJob } from "../../../common/src/ci/types.js";
import { compactJobs, containerTemplate, SHARED_TEMPLATE, type FullJob } from "./compact.js";

const job = (name: string, container: string, extra: Partial<CiJob> = {}): FullJob => ({
  name,
  container,
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
function resolved(jobs: readonly FullJob[]) {
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
