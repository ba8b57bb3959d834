import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { commandsOf } from "../../test/helpers/job-scripts.js";
import { archiveJobName } from "../src/pipeline/archive-job.js";
import { useWorkflowFixture } from "./workflow-fixture.js";

// The container pipeline keeps what it replaces: one archive job before the builds and
// publications, naming every tag they push to.
const { setup, generate } = useWorkflowFixture();
const ARCHIVE = archiveJobName("amd64");
type Job = { stage?: string; needs?: { job: string }[]; script: string[] };

async function setArchive(repo: string, archive: object): Promise<void> {
  const file = join(repo, "spacktainers.config.yaml");
  const config = load(await readFile(file, "utf8")) as Record<string, unknown>;
  await writeFile(file, dump({ ...config, archive }));
}

describe("the archive job of the container pipeline", () => {
  it("archives every tag the builds and publications replace, and they wait for it", async () => {
    const s = await setup();
    const { doc } = await generate(s.repo, { branch: "main" });
    const jobs = doc as Record<string, Job>;
    const [command] = commandsOf(jobs[ARCHIVE]);
    const config = load(await readFile(join(s.repo, "spacktainers.config.yaml"), "utf8")) as {
      publish: { registry: string; namespace: string }[];
    };
    const publish = config.publish[0]!;
    expect(command).toBe(
      `node dist/job-creator/src/main.js archive-images "${s.registryHost}/${s.project}/spacktainers/gromacs:2023.3" "${publish.registry}/${publish.namespace}/gromacs:2023.3"`,
    );
    for (const [name, job] of Object.entries(jobs)) {
      const waits = (job.needs ?? []).some((n) => n.job === ARCHIVE);
      expect(waits, name).toBe(job.stage === "build" || job.stage === "publish");
    }
    expect(jobs[ARCHIVE]?.stage).toBe("archive");
  });

  it("is left out when archives are off", async () => {
    const s = await setup();
    await setArchive(s.repo, { keep: 0, maxAgeDays: 0 });
    const { jobs, doc } = await generate(s.repo);
    expect(jobs).not.toContain(ARCHIVE);
    for (const job of Object.values(doc as Record<string, Job>))
      expect((job.needs ?? []).map((n) => n.job)).not.toContain(ARCHIVE);
  });
});
