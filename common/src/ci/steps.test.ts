import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stepFunctionBefore, steppedScript } from "./steps.js";
import type { CiJob } from "./types.js";

// The generated lines, run by bash as GitLab's shell executor runs a job: before_script and
// script in one shell with `set -eo pipefail`, then the after_script in another, told the
// status and the job's name.
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function runJob(
  job: Pick<CiJob, "before_script" | "script" | "after_script">,
  name = "build gromacs",
) {
  const dir = mkdtempSync(join(tmpdir(), "steps-"));
  dirs.push(dir);
  const run = (lines: readonly string[], env: Record<string, string>) => {
    writeFileSync(join(dir, "job.sh"), ["set -eo pipefail", ...lines, ""].join("\n"));
    return spawnSync("bash", ["job.sh"], {
      cwd: dir,
      env: { PATH: process.env["PATH"], ...env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  };
  const script = run([...(job.before_script ?? []), ...job.script], {});
  const status = script.status === 0 ? "success" : "failed";
  const after = run(job.after_script ?? [], {
    CI_JOB_STATUS: status,
    CI_JOB_NAME: name,
    CI_JOB_URL: "https://gitlab.example.org/g/p/-/jobs/7",
  });
  return { status, log: script.stdout + script.stderr + after.stdout + after.stderr };
}

const steps = (failing: string) => [
  { name: "login", title: "Log in to the registry", lines: ["echo logged in"], collapsed: true },
  { name: "build", title: "Build gromacs:2023.3", lines: ["echo building", failing] },
  { name: "push", title: "Push the image", lines: ["echo pushed"] },
];

describe("steppedScript", () => {
  it("writes each step as a collapsible section that ends with its duration", () => {
    const { status, log } = runJob(steppedScript(steps("true")));
    expect(status).toBe("success");
    const sections = [...log.matchAll(/section_(start|end):\d+:(\w+)(\[collapsed=(\w+)\])?/g)];
    expect(sections.map((m) => `${m[1]} ${m[2]}${m[4] ? ` ${m[4]}` : ""}`)).toEqual([
      "start login true",
      "end login",
      "start build false",
      "end build",
      "start push false",
      "end push",
    ]);
    expect(log).toContain("\x1b[36;1mBuild gromacs:2023.3\x1b[0m");
    expect(log).toMatch(new RegExp(`section_end:\\d+:build\r\x1b\\[0Kbuild took \\d+s`));
    expect(log).not.toContain("failed in step");
  });

  it("ends a failed job's log with what failed, in which step, and where the log is", () => {
    const { status, log } = runJob(steppedScript(steps("exit 3")));
    expect(status).toBe("failed");
    expect(log).not.toContain("pushed");
    expect(log.trimEnd().split("\n").at(-1)).toBe(
      '\x1b[31;1mbuild gromacs failed in step "build"\x1b[0m: its log is that section above, in https://gitlab.example.org/g/p/-/jobs/7',
    );
  });

  it("says the setup failed when no step had started, and prints hostile job names as they are", () => {
    const job = steppedScript(steps("true"));
    const failed = { ...job, script: ["exit 1", ...job.script] };
    const { log } = runJob(failed, "it's $(id) `x`");
    expect(log).toContain(`it's $(id) \`x\` failed in step "setup (before the first step)"`);
    expect(() => steppedScript([{ name: "Bad name", title: "t", lines: [] }])).toThrow();
  });

  it("works the same with the step function in before_script, a job's own setup after it", () => {
    const job = { ...steppedScript(steps("exit 3")), before_script: ["echo setting up"] };
    const moved = stepFunctionBefore(job);
    expect(moved.before_script).toHaveLength(2);
    expect(moved.before_script[1]).toBe("echo setting up");
    expect(moved.script[0]).toMatch(/^spacktainers_step login /);
    const before = runJob({
      ...job,
      before_script: [],
      script: ["echo setting up", ...job.script],
    });
    const after = runJob(moved);
    const sections = (log: string) => log.replace(/\d{9,}|took \d+s/g, "T");
    expect(after.status).toBe("failed");
    expect(sections(after.log)).toBe(sections(before.log));
    expect(stepFunctionBefore(moved)).toBe(moved);
  });
});
