import { afterEach, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../src/program.js";
import { runCaptured } from "../../test/helpers/program.js";
import { configuredRepo, gitlabWith, TOKEN } from "./runners-fixture.js";

// jc runners against a local server shaped as GitLab's runners API.

afterEach(() => void vi.unstubAllEnvs());

const AMD = { tags: ["kubernetes"], architecture: "amd64" } as const;
const ARM = { tags: ["aws_graviton"], architecture: "arm64" } as const;

describe("jc runners", () => {
  it("says per arch which runners can take jobs, and why the others cannot", async () => {
    await gitlabWith([
      { id: 1, description: "k8s-a", ...AMD, runningJobs: 3 },
      { id: 2, description: "k8s-b", ...AMD, paused: true },
      { id: 3, description: "graviton-1", ...ARM, status: "offline" },
      // Tagged for arm64 by mistake: it runs amd64 jobs only.
      { id: 4, description: "mislabelled", tags: ["aws_graviton"], architecture: "amd64" },
      { id: 5, description: "other", tags: ["gpu"] },
    ]);
    const repo = await configuredRepo();
    const result = await runCaptured(buildProgram(), ["runners", "--repo", repo]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      "amd64 (tags kubernetes): native builds possible",
      "  runner  description  status  paused  arch   running jobs  usable",
      "  #1      k8s-a        online  no      amd64  3             yes",
      "  #2      k8s-b        online  yes     amd64  0             no: paused",
      "arm64 (tags aws_graviton): native builds NOT possible",
      "  runner  description  status   paused  arch   running jobs  usable",
      "  #3      graviton-1   offline  no      arm64  0             no: offline",
      "  #4      mislabelled  online   no      amd64  0             no: runs amd64, not arm64",
      expect.stringMatching(
        /^ {2}then: arm64 is left out of this pipeline: no runner with the tags aws_graviton can take jobs \(#3 offline; #4 runs amd64, not arm64\), and its configuration has no emulation: fallback/,
      ),
      "",
    ]);
    expect(result.stdout).not.toContain(TOKEN);
  });

  it("reads every page of a project with many runners", async () => {
    const many = Array.from({ length: 130 }, (_, i) => ({
      id: i + 1,
      description: `r${i + 1}`,
      ...ARM,
      status: i === 129 ? ("online" as const) : ("offline" as const),
    }));
    const server = await gitlabWith(many);
    const result = await runCaptured(buildProgram(), [
      "runners",
      "--arch",
      "arm64",
      "--json",
      "--repo",
      await configuredRepo(),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [report] = JSON.parse(result.stdout) as {
      capacity: { native: boolean; runners: { id: number; usable: boolean }[] };
    }[];
    expect(report!.capacity.runners).toHaveLength(130);
    // Only the last runner, on the second page, is online: native builds hang on reading it.
    expect(report!.capacity.native).toBe(true);
    expect(report!.capacity.runners.filter((r) => r.usable).map((r) => r.id)).toEqual([130]);
    expect(server.requests.filter((r) => r.includes("/projects/42/runners"))).toHaveLength(2);
  });

  it.each<[string, boolean, string, RegExp]>([
    ["a refused token", true, "wrong-token", /HTTP 401.*set GITLAB_API_TOKEN .* read_api scope/],
    ["a user below Maintainer", false, TOKEN, /HTTP 403.*at least the Maintainer role/],
  ])(
    "fails clearly on %s, without printing the token",
    async (_name, maintainer, token, message) => {
      await gitlabWith([{ id: 1, description: "a", ...AMD }], maintainer);
      vi.stubEnv("GITLAB_API_TOKEN", token);
      const result = await runCaptured(buildProgram(), [
        "runners",
        "--repo",
        await configuredRepo(),
      ]);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain(token);
      expect(result.code).toBe(1);
    },
  );

  it("asks for a token, and refuses an unknown arch, with exit 2", async () => {
    const repo = await configuredRepo();
    vi.stubEnv("GITLAB_API_TOKEN", "");
    vi.stubEnv("CI_API_V4_URL", "http://127.0.0.1:9/api/v4");
    vi.stubEnv("CI_PROJECT_ID", "42");
    const noToken = await runCaptured(buildProgram(), ["runners", "--repo", repo]);
    expect(noToken.stderr).toMatch(/jc runners needs --token \(GITLAB_API_TOKEN\)/);
    expect(noToken.code).toBe(2);
    await gitlabWith([]);
    const unknown = await runCaptured(buildProgram(), ["runners", "-a", "riscv64", "--repo", repo]);
    expect(unknown.stderr).toMatch(/--arch riscv64 is not configured/);
    expect(unknown.code).toBe(2);
  });
});
