import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { load } from "js-yaml";
import { resolveExtends } from "../../common/src/ci/extends.js";
import { isJobKey } from "../../common/src/ci/types.js";
import { isMapping } from "../../common/src/mapping.js";
import type { ScriptJob } from "./shell-sandbox.js";

/** GitLab exports variables as strings; a null value (Spack writes some) is not set at all. */
const asStrings = (variables: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(variables).flatMap(([k, v]) =>
      typeof v === "string" || typeof v === "number" || typeof v === "boolean"
        ? [[k, String(v)]]
        : [],
    ),
  );

/** Every job script and Dockerfile RUN line the commands wrote. */
export async function scriptsBelow(repo: string): Promise<ScriptJob[]> {
  const jobs: ScriptJob[] = [];
  for (const file of await readdir(repo, { recursive: true })) {
    const path = join(repo, file);
    if (
      /\.ya?ml$/.test(file) &&
      !file.startsWith("container_definitions") &&
      !file.endsWith("spack.yaml")
    ) {
      const doc = load(await readFile(path, "utf8")) as Record<string, unknown> | null;
      const globals = (doc?.["variables"] ?? {}) as Record<string, unknown>;
      for (const [name, job] of Object.entries(doc ?? {})) {
        // Templates are checked through the jobs that extend them, with those jobs' variables.
        if (!isJobKey(name) || !isMapping(job)) continue;
        const j = resolveExtends(doc!, job);
        const lines = ["before_script", "script", "after_script"].flatMap(
          (k) => (j[k] as string[] | undefined) ?? [],
        );
        if (lines.length)
          jobs.push({
            name: `${file}: ${name}`,
            lines: lines.map(String),
            variables: asStrings({ ...globals, ...(j["variables"] as Record<string, unknown>) }),
          });
      }
    }
    if (file.endsWith("Dockerfile")) {
      const runs = (await readFile(path, "utf8"))
        .split(/\n(?=[A-Z]+ )/)
        .filter((l) => l.startsWith("RUN ") && !l.startsWith("RUN ["));
      jobs.push({
        name: file,
        lines: runs.map((l) => l.slice(4).replace(/\\\n/g, " ")),
        variables: {},
      });
    }
  }
  return jobs;
}

/** A job's commands: its script without the lines that label its steps (common/src/ci/steps.ts). */
export const commandsOf = (job: { readonly script?: readonly string[] } | undefined): string[] =>
  (job?.script ?? []).filter((line) => !line.startsWith("spacktainers_step"));
