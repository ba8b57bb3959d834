/**
 * Whether an architecture's jobs can run natively, from what GitLab says of the runners with
 * its tags, and what a pipeline then does: build natively, build under emulation on the
 * fallback runners, or leave the architecture out. Pure.
 */
import type { RunnerInfo } from "../gitlab/runners-api.js";

/** Go's GOARCH (what GitLab Runner reports) for the names architectures commonly go by. */
const GOARCH: Readonly<Record<string, string>> = {
  x86_64: "amd64",
  x86_64_v2: "amd64",
  x86_64_v3: "amd64",
  aarch64: "arm64",
  ppc64el: "ppc64le",
};
const goarch = (name: string) => GOARCH[name] ?? name;

/** A runner and whether it can take the architecture's jobs now, with why not. */
export interface RunnerVerdict extends RunnerInfo {
  readonly usable: boolean;
  readonly why: string;
}

export interface ArchCapacity {
  readonly arch: string;
  readonly tags: readonly string[];
  readonly runners: readonly RunnerVerdict[];
  /** Some runner with every tag is online, not paused, and of this CPU (or has not said). */
  readonly native: boolean;
}

export function judgeRunner(arch: string, runner: RunnerInfo): RunnerVerdict {
  const why =
    runner.status !== "online"
      ? runner.status.replaceAll("_", " ")
      : runner.paused
        ? "paused"
        : runner.architecture && goarch(runner.architecture) !== goarch(arch)
          ? `runs ${runner.architecture}, not ${arch}`
          : "";
  return { ...runner, usable: why === "", why: why || "ready" };
}

export function archCapacity(
  arch: { readonly name: string; readonly runnerTags: readonly string[] },
  runners: readonly RunnerInfo[],
): ArchCapacity {
  const verdicts = runners.map((r) => judgeRunner(arch.name, r)).sort((a, b) => a.id - b.id);
  return {
    arch: arch.name,
    tags: arch.runnerTags,
    runners: verdicts,
    native: verdicts.some((r) => r.usable),
  };
}

/** What the configuration allows when no native runner is there. */
export interface EmulationSettings {
  /** Tags of the runners that build the architecture's images under emulation. */
  readonly runnerTags: readonly string[];
  /** Also run its Spack jobs there (the runner must then emulate job images itself). */
  readonly spack: boolean;
}

/** How a pipeline treats an architecture, and what it tells the user. */
export type Placement =
  | { readonly mode: "native" }
  | { readonly mode: "emulated"; readonly spack: boolean; readonly warning: string }
  | { readonly mode: "skipped"; readonly warning: string };

export function placementOf(
  capacity: ArchCapacity,
  emulation: EmulationSettings | undefined,
): Placement {
  if (capacity.native) return { mode: "native" };
  const tags = capacity.tags.join(", ");
  const found =
    capacity.runners.length === 0
      ? `no runner of the project has the tags ${tags}`
      : `no runner with the tags ${tags} can take jobs (${capacity.runners
          .map((r) => `#${r.id} ${r.why}`)
          .join("; ")})`;
  if (!emulation)
    return {
      mode: "skipped",
      warning: `${capacity.arch} is left out of this pipeline: ${found}, and its configuration has no emulation: fallback (architectures.${capacity.arch}.emulation)`,
    };
  const fallback = emulation.runnerTags.join(", ");
  return {
    mode: "emulated",
    spack: emulation.spack,
    warning: emulation.spack
      ? `${capacity.arch} is built under emulation on the runners tagged ${fallback}, its Spack jobs included (emulation.spack: true): ${found}`
      : `${capacity.arch}'s base images are built under emulation on the runners tagged ${fallback}; its Spack jobs and containers are left out, as Spack builds are never emulated unless emulation.spack is true: ${found}`,
  };
}

/** The table `jc runners` prints for one architecture. */
export function capacityLines(capacity: ArchCapacity): string[] {
  const header = `${capacity.arch} (tags ${capacity.tags.join(", ")}): native builds ${capacity.native ? "possible" : "NOT possible"}`;
  if (capacity.runners.length === 0) return [header, "  no runner of the project has these tags"];
  const rows = [
    ["runner", "description", "status", "paused", "arch", "running jobs", "usable"],
    ...capacity.runners.map((r) => [
      `#${r.id}`,
      r.description || "-",
      r.status,
      r.paused ? "yes" : "no",
      r.architecture ?? "?",
      String(r.runningJobs),
      r.usable ? "yes" : `no: ${r.why}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return [
    header,
    ...rows.map((row) => `  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")}`.trimEnd()),
  ];
}
