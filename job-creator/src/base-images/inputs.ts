import { join } from "node:path";
import { InputError } from "../../../common/src/errors.js";
import type { Config } from "../config/schema.js";
import { readFolderChecksum } from "./checksum.js";
import { LABELS, type BaseImageInputs, type BaseImageName } from "./plan.js";
import { describeFsError } from "../../../common/src/fs-errors.js";

/** The Spack revision the builder is built from: a commit when known, else the branch. */
export interface SpackRevision {
  readonly commit?: string;
  readonly branch: string;
}

/** Reads the inputs of each base image: its build folder, the Spack revision, tool versions. */
export function readBaseImageInputs(
  repoRoot: string,
  config: Config,
  images: readonly BaseImageName[],
  spack: SpackRevision,
): Map<BaseImageName, BaseImageInputs> {
  const result = new Map<BaseImageName, BaseImageInputs>();
  for (const image of images) {
    let folderChecksum: string;
    try {
      folderChecksum = readFolderChecksum(join(repoRoot, image));
    } catch (error) {
      throw new InputError([
        {
          file: `${image}/`,
          message: `cannot read the build folder of base image ${image}: ${describeFsError(error)}`,
        },
      ]);
    }
    result.set(image, describeInputs(image, folderChecksum, config, spack));
  }
  return result;
}

/** Build arguments and expected labels of one base image (pure). */
export function describeInputs(
  image: BaseImageName,
  folderChecksum: string,
  config: Config,
  spack: SpackRevision,
): BaseImageInputs {
  const labels: Record<string, string> = { [LABELS.checksum]: folderChecksum };
  const buildArgs: Record<string, string> = { BASE_IMAGE: config.images.os };
  if (image === "builder") {
    labels[LABELS.spackCommit] = spack.commit ?? `branch:${spack.branch}`;
    buildArgs["SPACK_REPOSITORY"] = config.spack.repository;
    buildArgs["SPACK_BRANCH"] = spack.branch;
    if (spack.commit) buildArgs["SPACK_COMMIT"] = spack.commit;
    buildArgs["COMPILER_PACKAGES"] = config.images.builderPackages.join(" ");
  }
  if (image === "singularitah") {
    for (const [tool, version] of Object.entries(config.toolVersions)) {
      labels[LABELS.tool(tool)] = version;
      buildArgs[`${tool.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_VERSION`] = version;
    }
  }
  return { image, folderChecksum, buildArgs, labels };
}
