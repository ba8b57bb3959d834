import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One job's shell lines and the variables GitLab would export for it. */
export interface ScriptJob {
  readonly name: string;
  readonly lines: readonly string[];
  readonly variables: Readonly<Record<string, string>>;
}

/**
 * Runs every line of every job in a real bash where no external command exists: bash calls
 * `command_not_found_handle` instead, which records an injected `touch PWNED`. Each line runs
 * on its own (`eval` in a subshell), so one failing line hides nothing after it. Returns the
 * jobs and lines that ran the injected command.
 */
export function findInjections(jobs: readonly ScriptJob[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "shell-sandbox-"));
  try {
    // Everything is loaded once (mapfile, no forks); each line then runs in its own subshell.
    const runner = [
      `command_not_found_handle() { if [ "$1" = touch ] && [ "$2" = PWNED ]; then printf '%s\\n' "$WHERE" >> ${dir}/injected; fi; return 0; }`,
      "PATH=/nonexistent",
      `mapfile -d '' LINES < ${dir}/lines; mapfile -d '' WHERES < ${dir}/wheres; mapfile -d '' VARS < ${dir}/vars`,
      'for i in "${!LINES[@]}"; do',
      '  WHERE="${WHERES[$i]}"',
      '  ( for kv in ${VARS[$i]}; do printf -v kv "%b" "$kv"; export "$kv"; done; eval "${LINES[$i]}" ) </dev/null >/dev/null 2>&1',
      "done",
      "exit 0",
    ].join("\n");
    const lines: string[] = [];
    const wheres: string[] = [];
    const vars: string[] = [];
    for (const job of jobs) {
      // Each NAME=value as one word of octal escapes: no character of the value is shell syntax.
      const exported = Object.entries(job.variables)
        .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        .map(([k, v]) => [...Buffer.from(`${k}=${v}`)].map((b) => `\\0${b.toString(8)}`).join(""))
        .join(" ");
      job.lines.forEach((line, i) => {
        lines.push(line);
        wheres.push(`${job.name} line ${i + 1}: ${line}`);
        vars.push(exported);
      });
    }
    writeFileSync(join(dir, "lines"), lines.map((l) => `${l}\0`).join(""));
    writeFileSync(join(dir, "wheres"), wheres.map((l) => `${l}\0`).join(""));
    writeFileSync(join(dir, "vars"), vars.map((l) => `${l}\0`).join(""));
    const result = spawnSync("bash", ["--noprofile", "--norc", "-c", runner], {
      encoding: "utf8",
      env: {},
      cwd: dir,
      timeout: 60_000,
    });
    if (result.status !== 0) throw new Error(`sandbox bash failed: ${result.stderr}`);
    try {
      return readFileSync(join(dir, "injected"), "utf8").trim().split("\n");
    } catch {
      return [];
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
