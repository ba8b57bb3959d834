import { pipelineJobs } from "../../test/helpers/pipeline-jobs.js";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import {
  cleanBuildCacheJobName,
  GENERATED_PIPELINE_FILE,
  generateSpackJobName,
} from "../../common/src/job-names.js";
import { createJobsIn } from "../../test/helpers/generate.js";
import { memoryOutput } from "../../test/helpers/output.js";
import { useWorkflowFixture } from "./workflow-fixture.js";

// What the generated jobs need to reach the network from a site behind a proxy, and buckets
// outside us-east-1: the proxy of the arch on every job that runs on its runners or the
// deploy runner (in both cases: curl reads only http_proxy), each bucket's region on the
// jobs that use that bucket.

const { setup, generate } = useWorkflowFixture();
const PROXY = "http://proxy.example.org:3128";
type Job = { tags?: string[]; variables?: Record<string, string> };

async function configure(repo: string): Promise<void> {
  const file = join(repo, "spacktainers.config.yaml");
  const config = load(await readFile(file, "utf8")) as Record<string, unknown> & {
    architectures: Record<string, Record<string, Record<string, unknown>>>;
  };
  config["proxy"] = { HTTPS_PROXY: PROXY, http_proxy: PROXY, NO_PROXY: ".example.org" };
  const amd64 = config.architectures["amd64"]!;
  amd64["proxy"] = true as never;
  amd64["cache"] = { ...amd64["cache"], region: "eu-west-3" };
  amd64["containers"] = { ...amd64["containers"], region: "eu-central-1" };
  await writeFile(file, dump(config));
}

const PROXY_VARIABLES = {
  HTTPS_PROXY: PROXY,
  https_proxy: PROXY,
  HTTP_PROXY: PROXY,
  http_proxy: PROXY,
  NO_PROXY: ".example.org",
  no_proxy: ".example.org",
};

describe("generated jobs behind a proxy, with buckets in their regions", () => {
  it("give every amd64 job the proxy in both cases, and each bucket's region where it is used", async () => {
    const s = await setup();
    await configure(s.repo);
    await createJobsIn(s.repo, memoryOutput());
    const created = pipelineJobs(
      await readFile(join(s.repo, "generated", GENERATED_PIPELINE_FILE), "utf8"),
    ) as Record<string, Job>;
    const { doc } = await generate(s.repo);
    const jobs = { ...created, ...(doc as Record<string, Job>) };
    const onAmd64 = Object.entries(jobs).filter(
      ([name, job]) => job.tags?.includes("x86") || / for amd64$/.test(name),
    );
    expect(onAmd64.length).toBeGreaterThan(5);
    for (const [name, job] of onAmd64)
      expect(job.variables ?? {}, name).toMatchObject(PROXY_VARIABLES);
    // arm64 does not use the proxy.
    const onArm64 = Object.entries(created).filter(([, job]) => job.tags?.includes("graviton"));
    expect(onArm64.length).toBeGreaterThan(0);
    for (const [name, job] of onArm64)
      expect(job.variables ?? {}, name).not.toHaveProperty("https_proxy");

    const regionOf = (name: string) => jobs[name]?.variables?.["AWS_REGION"];
    // The Spack cache's region on the job that runs `spack ci generate` against it (boto3
    // reads AWS_DEFAULT_REGION), the containers bucket's on SIF upload and deploy.
    expect(jobs[generateSpackJobName("gromacs", "amd64")]?.variables).toMatchObject({
      AWS_REGION: "eu-west-3",
      AWS_DEFAULT_REGION: "eu-west-3",
    });
    expect(regionOf(cleanBuildCacheJobName("amd64"))).toBe("eu-west-3");
    const sifJob = Object.keys(jobs).find((n) => / sif file for amd64$/.test(n))!;
    const deployJob = Object.keys(jobs).find((n) => /^deploy .* for amd64$/.test(n))!;
    expect([regionOf(sifJob), regionOf(deployJob)]).toEqual(["eu-central-1", "eu-central-1"]);
    expect(jobs[deployJob]?.tags).toEqual(["cluster"]);
    // arm64's buckets give no region: its jobs use the runner's AWS_REGION, else us-east-1.
    expect(created[generateSpackJobName("py-scientific", "arm64")]?.variables).not.toHaveProperty(
      "AWS_REGION",
    );
  });
});
