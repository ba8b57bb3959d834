import { describe, expect, it } from "vitest";
import { shellQuote } from "../../../common/src/shell.js";
import {
  localInstallScript,
  parseJobReference,
  reproduceCommands,
  reproductionOf,
} from "./plan.js";

describe("parseJobReference", () => {
  it.each([
    ["123456", { jobId: 123456 }],
    [
      "https://gitlab.example.com/hpc/spacktainers/-/jobs/42",
      { jobId: 42, projectPath: "hpc/spacktainers", origin: "https://gitlab.example.com" },
    ],
    [
      "http://127.0.0.1:8080/a/b/c/-/jobs/7/",
      { jobId: 7, projectPath: "a/b/c", origin: "http://127.0.0.1:8080" },
    ],
  ])("%s", (text, expected) => {
    expect(parseJobReference(text)).toEqual(expected);
  });

  it.each(["0", "-1", "12a", "$(id)", "ftp://host/a/-/jobs/1", "https://host/a/-/pipelines/1"])(
    "refuses %s",
    (text) => {
      expect(parseJobReference(text)).toHaveProperty("error");
    },
  );
});

const encode = (text: string) => new TextEncoder().encode(text);
const PROJECT = "/builds/group/project";
/** A reproduction folder as `spack ci rebuild` (v0.21) writes it. */
function artifacts(overrides: Record<string, string | undefined> = {}) {
  const repro = "jobs_scratch_dir/e2e-broken/reproduction";
  const files: Record<string, string | undefined> = {
    [`${repro}/repro.json`]: JSON.stringify({
      job_name: "e2e-broken@1.0 /abc1234 %gcc@12 arch=linux-debian12-x86_64",
      job_spec_json: "e2e-broken.json",
      ci_project_dir: PROJECT,
    }),
    [`${repro}/install.sh`]: [
      "#!/bin/sh",
      "",
      "# spack install command",
      "set -e",
      `"spack" "-e" "${PROJECT}/jobs_scratch_dir/e2e-broken/concrete_environment" "bootstrap" "now" `,
      ` "spack" "-e" "${PROJECT}/jobs_scratch_dir/e2e-broken/concrete_environment" "install" "/abc1234"`,
      "",
    ].join("\n"),
    [`${repro}/spack.yaml`]: "spack: {}\n",
    [`${repro}/spack.lock`]: "{}\n",
    [`${repro}/e2e-broken.json`]: "{}\n",
    "jobs_scratch_dir/e2e-broken/logs/spack-build-out.txt": "log\n",
    ...overrides,
  };
  return new Map(
    Object.entries(files).flatMap(([k, v]) => (v === undefined ? [] : [[k, encode(v)] as const])),
  );
}

describe("reproductionOf", () => {
  it("finds the folder, the job and where install.sh expects the environment", () => {
    const plan = reproductionOf(artifacts());
    expect(plan).toMatchObject({
      jobName: "e2e-broken@1.0 /abc1234 %gcc@12 arch=linux-debian12-x86_64",
      projectDir: PROJECT,
      reproDir: "jobs_scratch_dir/e2e-broken/reproduction",
      envDir: "jobs_scratch_dir/e2e-broken/concrete_environment",
      specFile: "e2e-broken.json",
    });
    const script = localInstallScript(plan as never, "/home/me/repro");
    expect(script).toContain(
      '"-e" "/home/me/repro/jobs_scratch_dir/e2e-broken/concrete_environment"',
    );
    expect(script).not.toContain(PROJECT);
    expect(script.split("\n").slice(0, 3)).toEqual([
      "#!/bin/sh",
      expect.stringMatching(/^# The environment the job had activated/),
      'export SPACK_ENV="/home/me/repro/jobs_scratch_dir/e2e-broken/concrete_environment"',
    ]);
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    [
      "no reproduction folder",
      { "jobs_scratch_dir/e2e-broken/reproduction/repro.json": undefined },
      /no reproduction folder/,
    ],
    [
      "no install.sh",
      { "jobs_scratch_dir/e2e-broken/reproduction/install.sh": undefined },
      /holds no install\.sh/,
    ],
    [
      "no lock file",
      { "jobs_scratch_dir/e2e-broken/reproduction/spack.lock": undefined },
      /holds no spack\.lock/,
    ],
    [
      "a broken repro.json",
      { "jobs_scratch_dir/e2e-broken/reproduction/repro.json": "{" },
      /is no JSON/,
    ],
    [
      "an environment outside the job",
      {
        "jobs_scratch_dir/e2e-broken/reproduction/install.sh": `"spack" "-e" "${PROJECT}/../../etc" "install"`,
      },
      /outside the job's folder/,
    ],
    [
      "an environment elsewhere",
      { "jobs_scratch_dir/e2e-broken/reproduction/install.sh": '"spack" "-e" "/tmp/x" "install"' },
      /activates no environment below the job's folder/,
    ],
  ])("says what is wrong: %s", (_name, overrides, message) => {
    const plan = reproductionOf(artifacts(overrides));
    expect("error" in plan && plan.error).toMatch(message);
  });
});

describe("reproduceCommands", () => {
  it("runs reproduce.sh in the image with the folder at its own path, keys passed by name", () => {
    const commands = reproduceCommands("/home/me/repro it", "registry.example.org/builder:1");
    expect(commands[0]).toBe("ctr=$(buildah from registry.example.org/builder:1)");
    expect(commands[1]).toContain("--volume '/home/me/repro it:/home/me/repro it'");
    expect(commands[1]).toContain('--env "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-}"');
    // Quoted twice: for the shell that runs buildah, then for the one in the container.
    expect(commands[1]).toContain(`sh -lc ${shellQuote("sh '/home/me/repro it/reproduce.sh'")}`);
    expect(commands.at(-1)).toBe('exit "$status"');
  });

  it("runs it here without an image", () => {
    expect(reproduceCommands("/r", undefined)).toEqual(["cd /r", "sh /r/reproduce.sh"]);
    expect(reproduceCommands("/a b", undefined)).toEqual(["cd '/a b'", "sh '/a b/reproduce.sh'"]);
  });
});
