import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo, processArgs } from "../../test/helpers/temp-repo.js";
import { resolveExtends } from "../../common/src/ci/extends.js";
import { isJobKey } from "../../common/src/ci/types.js";
import { isMapping } from "../../common/src/mapping.js";
import { buildProgram } from "../src/program.js";

type Job = Record<string, unknown> & {
  needs?: (string | { job: string; pipeline?: string })[];
  variables?: Record<string, unknown>;
};
type Doc = Record<string, Job>;

/** Processes the given Spack outputs (container -> document); returns every job written. */
async function processed(outputs: Record<string, Doc>): Promise<Map<string, Job>> {
  const repo = await exampleRepo();
  for (const [container, doc] of Object.entries(outputs)) {
    await mkdir(join(repo, "in", container), { recursive: true });
    await writeFile(join(repo, "in", container, "pipeline.yml"), dump(doc));
  }
  const out = join(repo, "out");
  const result = await runCaptured(buildProgram(), processArgs(repo, join(repo, "in"), out, "out"));
  expect(result.code, result.stderr).toBe(0);
  const jobs = new Map<string, Job>();
  for (const file of (await readdir(out)).filter((f) => /^build-cache(-\d+)?\.yaml$/.test(f))) {
    const doc = load(await readFile(join(out, file), "utf8")) as Doc;
    // Jobs as GitLab runs them: their templates' keys merged in.
    for (const [name, job] of Object.entries(doc))
      if (isJobKey(name) && isMapping(job)) jobs.set(name, resolveExtends(doc, job));
  }
  return jobs;
}

const small = async () =>
  load(await readFile(join(SPACK_FIXTURES, "versions/v0.21-small.yaml"), "utf8")) as Doc;
const rebuildJobs = (doc: Doc) =>
  Object.entries(doc).filter(([, j]) => j.variables?.["SPACK_JOB_SPEC_DAG_HASH"]);
const localNeeds = (job: Job) =>
  (job.needs ?? []).flatMap((n) =>
    typeof n === "string" ? [n] : n.pipeline === undefined ? [n.job] : [],
  );

describe("what process-spack-pipeline keeps of Spack's output", () => {
  it("never adds a need on a job that is not one of the job's dependencies", async () => {
    const doc = await small();
    const jobs = await processed({ env: doc });
    let needs = 0;
    for (const [name, job] of jobs) {
      const original = new Set(localNeeds(doc[name]!));
      for (const need of localNeeds(job)) {
        needs++;
        expect(original, `${name} needs ${need}`).toContain(need);
      }
    }
    expect(needs).toBeGreaterThan(3);
  });

  it("keeps the first copy of a job two containers share (same stage: the first container by name)", async () => {
    const doc = await small();
    const marked = structuredClone(doc);
    const [name] = rebuildJobs(marked)[0]!;
    marked[name]!.variables = { ...marked[name]!.variables, MARK: "from b" };
    const jobs = await processed({ a: doc, b: marked });
    expect(jobs.get(name)!.variables).not.toHaveProperty("MARK");
    const reversed = await processed({ a: marked, b: doc });
    expect(reversed.get(name)!.variables).toHaveProperty("MARK", "from b");
  });

  it.each(["v0.20-small", "v0.21-small", "v0.23-small-anchors", "v1.0-small"])(
    "keeps Spack's retry and failure rules on every rebuild job (%s)",
    async (fixture) => {
      const doc = load(
        await readFile(join(SPACK_FIXTURES, `versions/${fixture}.yaml`), "utf8"),
      ) as Doc;
      const jobs = await processed({ env: doc });
      const rules = (job: Job) => ({
        retry: job["retry"],
        interruptible: job["interruptible"],
        allow_failure: job["allow_failure"],
      });
      const rebuilt = rebuildJobs(doc);
      expect(rebuilt.length).toBeGreaterThan(3);
      for (const [name, job] of rebuilt) {
        expect(rules(jobs.get(name)!), name).toEqual(rules(job));
        // From v0.22 on a failed push to the cache exits 100 (spack.cmd.ci's
        // FAILED_CREATE_BUILDCACHE_CODE): a script failure, which Spack's rules retry.
        const when = (job["retry"] as { when?: string[] } | undefined)?.when ?? [];
        expect(
          when.some((w) => w === "always" || w === "script_failure"),
          name,
        ).toBe(true);
      }
    },
  );

  it("lets the configured cache credentials win over a variable of the same name in Spack's job", async () => {
    const doc = await small();
    for (const [, job] of rebuildJobs(doc))
      job.variables = { ...job.variables, AWS_ACCESS_KEY_ID: "from-spack" };
    const jobs = await processed({ env: doc });
    expect(jobs.size).toBeGreaterThan(3);
    for (const [, job] of jobs)
      expect(job.variables?.["AWS_ACCESS_KEY_ID"]).toBe("$CACHE_ACCESS_KEY_ID");
  });
});

describe("what the container workflow orders", () => {
  it("publishes an image only after the job that builds it", async () => {
    const repo = await exampleRepo();
    const configFile = join(repo, "spacktainers.config.yaml");
    const config = load(await readFile(configFile, "utf8")) as Record<string, unknown>;
    config["publish"] = [
      {
        name: "hub",
        registry: "docker.io",
        namespace: "org",
        credentials: { userVariable: "U", passwordVariable: "P" },
      },
    ];
    await writeFile(configFile, dump(config));
    await writeFile(
      join(repo, "container_definitions/amd64/neuron.yaml"),
      "spack:\n  specs: [gromacs]\n",
    );
    await mkdir(join(repo, "locks/gromacs"), { recursive: true });
    await mkdir(join(repo, "locks/neuron"), { recursive: true });
    const lock = await readFile(join(SPACK_FIXTURES, "scenarios-v0.21/large/spack.lock"));
    await writeFile(join(repo, "locks/gromacs/spack.lock"), lock);
    await writeFile(join(repo, "locks/neuron/spack.lock"), lock);
    const run = (args: string[]) => runCaptured(buildProgram(), args);
    expect((await run(["create-jobs", "--offline", "-r", repo])).code).toBe(0);
    const out = join(repo, "out");
    const args = [
      "generate-spacktainer-workflow",
      "--offline",
      "-r",
      repo,
      "-a",
      "amd64",
      "-l",
      join(repo, "locks"),
      "-o",
      out,
      "--artifacts-path",
      "out",
    ];
    const result = await run(args);
    expect(result.code, result.stderr).toBe(0);
    const doc = load(await readFile(join(out, "spacktainer_pipeline.yaml"), "utf8")) as Doc;
    const publishes = Object.keys(doc).filter((name) => name.startsWith("publish "));
    expect(publishes.length).toBe(2);
    for (const name of publishes) {
      const container = /^publish (\S+) /.exec(name)![1]!;
      expect(localNeeds(doc[name]!), name).toContain(`build ${container} container for amd64`);
    }
  });
});
