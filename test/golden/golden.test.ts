import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../job-creator/src/program.js";
import { listFiles } from "../helpers/files.js";
import { REPO_ROOT, SPACK_FIXTURES } from "../helpers/paths.js";
import { runCaptured } from "../helpers/program.js";
import {
  addLocks,
  exampleRepo,
  processArgs,
  signCache,
  workflowArgs,
} from "../helpers/temp-repo.js";

/**
 * Golden files: what the commands write for the bundled examples and a handful of states,
 * committed under test/golden/<case>/ and compared byte for byte. A change of output is a
 * reviewable diff: `npm run golden:update` rewrites them. Copies of inputs over 64 KiB (lock
 * files) are pinned by their sha256 instead of their text.
 */
const UPDATE = process.env["UPDATE_GOLDEN"] === "1";
const GOLDEN = join(REPO_ROOT, "test/golden");
const LARGE = 64 * 1024;

/** A case: the commands to run in a copy of the bundled examples, and the folder to pin. */
interface GoldenCase {
  readonly name: string;
  readonly prepare?: (repo: string) => Promise<void>;
  readonly runs: (repo: string) => string[][];
  readonly output: string;
  /** The files to pin, when not all: the rest must equal what the case `base` writes. */
  readonly pins?: readonly string[];
  readonly base?: string;
}

const SPACK_OUTPUTS: readonly [string, string][] = [
  ["v0.20", "versions/v0.20-small.yaml"],
  ["v0.21", "versions/v0.21-small.yaml"],
  ["v0.23", "versions/v0.23-small-anchors.yaml"],
  ["v1.0", "versions/v1.0-small.yaml"],
  ["v1.0-nothing-to-rebuild", "versions/v1.0-no-specs-to-rebuild.yaml"],
];

const workflow =
  (arch: string, ...extra: string[]) =>
  (repo: string) => [
    ["create-jobs", "--offline", "-r", repo, ...extra],
    [
      ...workflowArgs(
        repo,
        arch,
        join(repo, "locks"),
        join(repo, "out"),
        `spacktainer.artifacts.${arch}`,
      ),
      ...extra,
    ],
  ];

const CASES: readonly GoldenCase[] = [
  {
    name: "create-jobs-fresh",
    runs: (repo) => [["create-jobs", "--offline", "-r", repo, "-o", "out"]],
    output: "out",
  },
  {
    name: "create-jobs-branch",
    runs: (repo) => [
      ["create-jobs", "--offline", "-r", repo, "-o", "out", "--branch", "feature/x"],
    ],
    output: "out",
  },
  {
    name: "entry-pipeline",
    runs: (repo) => [["entry-pipeline", "-r", repo, "-o", join(repo, "out/.gitlab-ci.yml")]],
    output: "out",
  },
  {
    name: "workflow-amd64",
    prepare: async (repo) => {
      await addLocks(repo);
    },
    runs: workflow("amd64"),
    output: "out",
  },
  {
    name: "workflow-arm64",
    prepare: async (repo) => {
      await addLocks(repo);
    },
    runs: workflow("arm64"),
    output: "out",
  },
  {
    name: "workflow-amd64-branch",
    prepare: async (repo) => {
      await addLocks(repo);
    },
    runs: workflow("amd64", "--branch", "feature/x", "--default-branch", "main"),
    output: "out",
    // What a branch changes: the pipeline, the Spack environments' mirrors and the tags of
    // the images other containers start from.
    pins: [
      "gromacs/spack-env/spack.yaml",
      "gromacs-analysis/gromacs-analysis.def",
      "spacktainer_pipeline.yaml",
    ],
    base: "workflow-amd64",
  },
  {
    name: "workflow-amd64-signed",
    prepare: async (repo) => {
      await addLocks(repo);
      await signCache(repo);
    },
    runs: workflow("amd64"),
    output: "out",
    // What a signed cache changes: the build jobs verify against the key in their contexts.
    pins: ["gromacs/spack-env/signing-key.pub", "spacktainer_pipeline.yaml"],
    base: "workflow-amd64",
  },
  ...SPACK_OUTPUTS.map(([name, fixture]): GoldenCase => ({
    name: `spack-${name}`,
    prepare: async (repo) => {
      await mkdir(join(repo, "spack-output/env"), { recursive: true });
      await copyFile(join(SPACK_FIXTURES, fixture), join(repo, "spack-output/env/pipeline.yml"));
    },
    runs: (repo) => [
      processArgs(repo, join(repo, "spack-output"), join(repo, "out"), "spack.artifacts.amd64"),
    ],
    output: "out",
  })),
  {
    // A signed cache: the rebuild jobs get the key and check it first; the services do not.
    name: "spack-v0.21-signed",
    prepare: async (repo) => {
      await signCache(repo);
      await mkdir(join(repo, "spack-output/env"), { recursive: true });
      await copyFile(
        join(SPACK_FIXTURES, "versions/v0.21-small.yaml"),
        join(repo, "spack-output/env/pipeline.yml"),
      );
    },
    runs: (repo) => [
      processArgs(repo, join(repo, "spack-output"), join(repo, "out"), "spack.artifacts.amd64"),
    ],
    output: "out",
    pins: ["build-cache.yaml"],
    base: "spack-v0.21",
  },
  {
    // Two containers: the shared template, one per container, and the index's resource group.
    name: "spack-two-containers",
    prepare: async (repo) => {
      for (const scenario of ["tiny", "small"]) {
        await mkdir(join(repo, "spack-output", scenario), { recursive: true });
        await copyFile(
          join(SPACK_FIXTURES, "scenarios-v0.21", scenario, "pipeline.yml"),
          join(repo, "spack-output", scenario, "pipeline.yml"),
        );
      }
    },
    runs: (repo) => [
      [
        ...processArgs(
          repo,
          join(repo, "spack-output"),
          join(repo, "out"),
          "spack.artifacts.amd64",
        ),
        ...["--index-resource-group", "build-cache-amd64-spack-build-cache"],
      ],
    ],
    output: "out",
  },
];

/** A file as the golden folder keeps it: its text, or its sha256 and size when large. */
function pinned(content: Buffer): string {
  if (content.length <= LARGE) return content.toString("utf8");
  return `sha256 ${createHash("sha256").update(content).digest("hex")} ${content.length} bytes\n`;
}

describe("golden outputs (npm run golden:update rewrites them)", () => {
  it.each(CASES)("$name", async (golden) => {
    const { name, pins } = golden;
    const produced = await produce(golden);
    const actual = new Map([...produced].filter(([file]) => !pins || pins.includes(file)));
    const folder = join(GOLDEN, name);
    if (UPDATE) {
      await rm(folder, { recursive: true, force: true });
      for (const [file, text] of actual) {
        await mkdir(join(folder, file, ".."), { recursive: true });
        await writeFile(join(folder, file), text);
      }
      return;
    }
    const expected = await listFiles(folder).catch(() => []);
    expect([...actual.keys()], `files of ${name} (npm run golden:update)`).toEqual(expected);
    for (const [file, text] of actual)
      expect(text, `${name}/${file}`).toBe(await readFile(join(folder, file), "utf8"));
  });

  it.each(CASES.filter((c) => c.base))(
    "$name changes only the files it pins, the rest is $base's",
    async (golden) => {
      const base = await produce(CASES.find((c) => c.name === golden.base)!);
      const changed = await produce(golden);
      const unpinned = (files: Map<string, string>) =>
        new Map([...files].filter(([file]) => !golden.pins!.includes(file)));
      expect(unpinned(changed).size).toBeGreaterThan(0);
      expect(unpinned(changed)).toEqual(unpinned(base));
      for (const file of golden.pins!) {
        expect(changed.get(file), file).toBeDefined();
        expect(changed.get(file), file).not.toBe(base.get(file));
      }
    },
  );
});

/** Runs a case in a fresh copy of the bundled examples: every file it wrote, as pinned. */
async function produce({ prepare, runs, output }: GoldenCase): Promise<Map<string, string>> {
  const repo = await exampleRepo();
  await prepare?.(repo);
  for (const args of runs(repo)) {
    const result = await runCaptured(buildProgram(), args);
    expect(result.code, result.stderr).toBe(0);
  }
  const dir = join(repo, output);
  const files = new Map<string, string>();
  for (const file of await listFiles(dir)) files.set(file, pinned(await readFile(join(dir, file))));
  return files;
}
