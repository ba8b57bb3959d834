import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { onTestFinished, vi } from "vitest";
import { startFakeRunners, type FakeRunner } from "../../test/helpers/gitlab-runners.js";
import { exampleRepo } from "../../test/helpers/temp-repo.js";

// What the tests of runner checks share: the example repository and a fake GitLab.

export const TOKEN = "glpat-runners-secret";

/** The bundled example repository, its configuration changed by `edit`. */
/** The parts of the configuration the tests change. */
export type EditableConfig = Record<string, unknown> & {
  architectures: Record<string, Record<string, unknown>>;
};

export async function configuredRepo(edit: (config: EditableConfig) => void = () => {}) {
  const repo = await exampleRepo();
  const file = join(repo, "spacktainers.config.yaml");
  const config = load(await readFile(file, "utf8")) as EditableConfig;
  edit(config);
  await writeFile(file, dump(config));
  return repo;
}

/** A fake GitLab for one test, its address in the CI variables jc reads. */
export async function gitlabWith(
  runners: readonly FakeRunner[] | (() => readonly FakeRunner[]),
  maintainer = true,
) {
  const server = await startFakeRunners({ token: TOKEN, runners, maintainer });
  onTestFinished(() => server.stop());
  vi.stubEnv("CI_API_V4_URL", `${server.url}/api/v4`);
  vi.stubEnv("CI_PROJECT_ID", server.projectId);
  vi.stubEnv("GITLAB_API_TOKEN", TOKEN);
  return server;
}
