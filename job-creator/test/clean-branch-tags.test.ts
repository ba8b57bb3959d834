import { describe, expect, it } from "vitest";
import { memoryOutput } from "../../test/helpers/output.js";
import { RegistryPusher } from "../../test/helpers/registry.js";
import { cleanBranches } from "../src/commands/clean-branches.js";
import type { TagStore } from "../src/registry/tag-client.js";
import { bindAll, useCleanBranchesWorld } from "./clean-branches-fixture.js";

// jc clean-branches in the project registry: the container tags of deleted branches.
const { setup, putSif, servicesFor, registries, tags: TAGS, optionsFor } = useCleanBranchesWorld();

describe("jc clean-branches in the registry", () => {
  it("deletes the registry tags of deleted branches, archives included, never an image a kept tag holds", async () => {
    const { dir, bucket, remote, project } = await setup(["Feature/Live"]);
    const repository = `${project}/spacktainers/gromacs`;
    const pusher = new RegistryPusher(registries.open);
    const repo = { registry: registries.open.host, repository };
    for (const tag of ["2023.3", "2023.3-arm64", "2023.3__feature-live", "2023.3__old-work"])
      await pusher.pushImage(repository, tag, "amd64", { tag });
    await pusher.pushImage(repository, "2023.3__old-work-archived-20261201T000000Z", "amd64", {});
    // A gone branch's tag on the image of the default branch's: deleting it would take 2023.3.
    await TAGS.putManifest(repo, "2023.3__gone-too", (await TAGS.manifest(repo, "2023.3"))!);
    // gromacs is known from its SIF file alone (the test repository defines no containers).
    await putSif(bucket, "containers/gromacs__2023.3.sif");
    const output = memoryOutput();
    const options = { repoRoot: dir, configFile: "spacktainers.config.yaml", remote };
    const { deleted } = await cleanBranches(
      { ...options, dryRun: false, now: new Date() },
      servicesFor(bucket),
      output,
    );
    const where = `${registries.open.host}/${repository}`;
    expect(deleted.sort()).toEqual([
      `${where}:2023.3__old-work`,
      `${where}:2023.3__old-work-archived-20261201T000000Z`,
    ]);
    expect((await TAGS.tags(repo)).sort()).toEqual([
      "2023.3",
      "2023.3-arm64",
      "2023.3__feature-live",
      "2023.3__gone-too",
    ]);
    expect(output.lines).toContain(
      `keep ${where}:2023.3__gone-too: its branch is gone, but 2023.3 holds its image too`,
    );
  });

  it("reports a registry that refuses deletes, and goes on", async () => {
    const { dir, bucket, remote, project } = await setup([]);
    const repository = `${project}/spacktainers/gromacs`;
    await new RegistryPusher(registries.open).pushImage(repository, "1.0__gone", "amd64", {});
    await putSif(bucket, "containers/gromacs__1.0__gone.sif", "gone");
    const refusing: TagStore = { ...bindAll(TAGS), deleteManifest: async () => "refused" };
    const output = memoryOutput();
    const { deleted } = await cleanBranches(
      optionsFor(dir, remote),
      servicesFor(bucket, refusing),
      output,
    );
    expect(deleted).toEqual(["containers/gromacs__1.0__gone.sif"]);
    expect(output.lines.join("\n")).toMatch(
      /keep \S+:1\.0__gone: its branch is gone, but \S+ refuses deletes: delete it there by hand/,
    );
  });
});
