import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram as getArtifacts } from "../../get-artifacts/src/program.js";
import { buildProgram as jc } from "../../job-creator/src/program.js";
import { buildProgram as spackitor } from "../../spackitor/src/program.js";
import { REPO_ROOT } from "../helpers/paths.js";
import { runCaptured } from "../helpers/program.js";

const PROGRAMS: Record<string, () => Command> = {
  jc,
  spackitor,
  "get-artifacts": getArtifacts,
};
const COMMAND = /^(?:npm run )?(jc|spackitor|get-artifacts)(?: --)? (.+)$/;

/** Every command line the README shows, in code blocks and inline code. */
async function readmeExamples(): Promise<string[]> {
  const text = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  const blocks = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n"));
  // Inline code is an example when it is a whole command line, not a mention (`jc validate --lint`).
  const inline = [...text.matchAll(/`([^`\n]+)`/g)]
    .map((m) => m[1]!)
    .filter((l) => words(l).length >= 4);
  return [...blocks, ...inline].map((l) => l.trim()).filter((l) => COMMAND.test(l));
}

/** Every example the programs' own --help texts show. */
async function helpExamples(): Promise<string[]> {
  const lines: string[] = [];
  for (const [name, build] of Object.entries(PROGRAMS)) {
    const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
    for (const command of all(build())) {
      const path = command.parent ? [command.name()] : [];
      const help = await runCaptured(build(), [...path, "--help"]);
      for (const line of help.stdout.split("\n"))
        if (line.trim().startsWith(`${name} `)) lines.push(line.trim());
    }
  }
  return lines;
}

/** The words of an example (no shell features are used in them), its comment cut off. */
const words = (line: string) =>
  line
    .replace(/\s+#.*$/, "")
    .split(/\s+/)
    .filter(Boolean);

/** Parses an example as the program would, with every command's action replaced by nothing. */
async function parses(line: string) {
  const [, name, rest] = COMMAND.exec(line)!;
  const program = PROGRAMS[name!]!();
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program)) command.action(() => undefined);
  return runCaptured(program, words(rest!));
}

describe("the examples users are shown", () => {
  it("are all commands the programs accept, with flags and values that exist", async () => {
    const examples = [...(await readmeExamples()), ...(await helpExamples())].filter(
      (l) => !/\.\.\.|<|FILE|\bN\b/.test(l), // placeholders, not examples
    );
    expect(examples.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const example of examples) {
      const result = await parses(example);
      if (result.code !== 0) failures.push(`${example}\n    ${result.stderr.trim()}`);
    }
    expect(failures).toEqual([]);
  });

  it.each(Object.keys(PROGRAMS))("%s --version prints the package's version", async (name) => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    const result = await runCaptured(PROGRAMS[name]!(), ["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });
});
