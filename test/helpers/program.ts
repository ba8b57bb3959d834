import type { Command } from "commander";
import { vi } from "vitest";
import { runProgram } from "../../common/src/cli.js";

/**
 * Runs a whole CLI program in-process, as its `main.ts` would, and returns its exit code
 * with everything it printed (commander's own messages included).
 */
export async function runCaptured(
  program: Command,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program))
    command.configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  const out = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((s) => ((stderr += String(s)), true));
  try {
    const { code, text } = await runProgram(program, ["node", program.name(), ...args]);
    return { code, stdout, stderr: stderr + (text ? `${text}\n` : "") };
  } finally {
    out.mockRestore();
    err.mockRestore();
    vi.unstubAllEnvs();
  }
}
