import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderPipeline } from "../../common/src/ci/render.js";
import { expectValidPipeline } from "../../test/helpers/gitlab.js";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { readConfig } from "../src/config/read.js";
import { ENTRY_HEADER, buildEntryPipeline } from "../src/pipeline/entry-pipeline.js";
import { runJc } from "./cli.js";
import { runCaptured } from "../../test/helpers/program.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";
import { buildProgram } from "../src/program.js";

const jc = (args: string[]) => runCaptured(buildProgram(), args);
import { commandsOf } from "../../test/helpers/job-scripts.js";

type Doc = Record<string, Record<string, unknown>>;

describe("the entry .gitlab-ci.yml", () => {
  it("is what `jc entry-pipeline` writes for the bundled configuration", async () => {
    const committed = await readFile(join(REPO_ROOT, ".gitlab-ci.yml"), "utf8");
    const result = runJc(["entry-pipeline"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(committed);
  });

  it("ends with exit 1 and one line, not a stack trace, when -o cannot be written", async () => {
    const repo = await exampleRepo();
    await writeFile(join(repo, "plain.txt"), "a file, not a folder\n");
    const result = await jc([
      "entry-pipeline",
      "-r",
      repo,
      "-o",
      join(repo, "plain.txt/entry.yml"),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: cannot write ${repo}/plain.txt/entry.yml: a file stands where a folder is needed\n`,
    );
  });

  it("writes -o in place, never over the configuration it reads nor over a folder", async () => {
    const repo = await exampleRepo();
    const config = join(repo, "spacktainers.config.yaml");
    const before = await readFile(config, "utf8");
    for (const [target, why] of [
      [config, "that is the configuration, which this command reads"],
      [repo, "that is a folder"],
    ] as const) {
      const result = await jc(["entry-pipeline", "-r", repo, "-o", target]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${target}: --output: ${why}`);
    }
    expect(await readFile(config, "utf8")).toBe(before);
    const written = join(repo, ".gitlab-ci.yml");
    expect((await jc(["entry-pipeline", "-r", repo, "-o", written])).code).toBe(0);
    expect(await readFile(written, "utf8")).toBe(
      await readFile(join(REPO_ROOT, ".gitlab-ci.yml"), "utf8"),
    );
  });

  it("passes GitLab's schema and limits, with per-arch bridges only where definitions exist", async () => {
    const text = await readFile(join(REPO_ROOT, ".gitlab-ci.yml"), "utf8");
    const doc = expectValidPipeline(text) as Doc;
    expect(doc["populate buildcache for amd64"]).toMatchObject({
      rules: [{ exists: ["container_definitions/amd64/**/*"] }],
      trigger: {
        include: [
          { artifact: "spack.artifacts.amd64/spack_pipeline.yaml", job: "gather child artifacts" },
        ],
        strategy: "depend",
      },
      variables: {
        GENERATION_PIPELINE_ID: "$GENERATION_PIPELINE_ID",
        PARENT_PIPELINE_ID: "$CI_PIPELINE_ID",
      },
    });
    expect(doc["build spacktainers for arm64"]?.["needs"]).toEqual([
      { job: "gather child artifacts", artifacts: true },
      { job: "populate buildcache for arm64", artifacts: false },
    ]);
    expect(commandsOf(doc["gather child artifacts"] as { script: string[] })).toEqual([
      "node dist/get-artifacts/src/main.js --generated-pipeline generated/generated_pipeline.yaml --arch amd64 --arch arm64 --dotenv build.env",
    ]);
    expect(doc["cleanup"]?.["rules"]).toEqual([
      { if: '$CI_PIPELINE_SOURCE == "merge_request_event"', when: "never" },
      { when: "on_success" },
    ]);
    expect((doc["workflow"] as { rules: unknown[] }).rules).toHaveLength(4);
  });

  it("follows the configured architectures", async () => {
    const config = readConfig(join(REPO_ROOT, "spacktainers.config.yaml"));
    const { arm64: _dropped, ...onlyAmd64 } = config.architectures;
    const text = renderPipeline(
      buildEntryPipeline({ ...config, architectures: onlyAmd64 }, "generated"),
      ENTRY_HEADER,
    );
    const doc = expectValidPipeline(text) as Doc;
    expect(Object.keys(doc).filter((k) => k.includes("arm64"))).toEqual([]);
    expect(commandsOf(doc["gather child artifacts"] as { script: string[] })).toEqual([
      "node dist/get-artifacts/src/main.js --generated-pipeline generated/generated_pipeline.yaml --arch amd64 --dotenv build.env",
    ]);
  });

  it("cleans each deploy folder on its deploy runner", async () => {
    const config = readConfig(join(REPO_ROOT, "spacktainers.config.yaml"));
    const deploy = { runnerTags: ["cluster-shell"], path: "/shared/containers" };
    const amd64 = { ...config.architectures["amd64"]!, deploy, proxy: true };
    const proxy = { HTTPS_PROXY: "http://proxy.example.org:3128" };
    const text = renderPipeline(
      buildEntryPipeline(
        { ...config, proxy, architectures: { ...config.architectures, amd64 } },
        "generated",
      ),
      ENTRY_HEADER,
    );
    const doc = expectValidPipeline(text) as Doc;
    const job = doc["clean deployed copies for amd64"] as { script: string[] } & Record<
      string,
      unknown
    >;
    expect(job).toMatchObject({
      stage: "cleanup",
      tags: ["cluster-shell"],
      needs: [],
      rules: doc["cleanup"]?.["rules"],
      resource_group: "deployed-cleanup-amd64",
      // The deploy runner reaches the remote through the arch's proxy, as its deploy jobs do.
      variables: { HTTPS_PROXY: proxy.HTTPS_PROXY, https_proxy: proxy.HTTPS_PROXY },
    });
    expect(commandsOf(job)).toEqual([
      "node dist/job-creator/src/main.js clean-deployed --arch amd64 --remote origin",
    ]);
    expect(Object.keys(doc).filter((k) => k.startsWith("clean deployed"))).toEqual([
      "clean deployed copies for amd64",
    ]);
  });
});
