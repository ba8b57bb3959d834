import { InputError } from "../../../common/src/errors.js";
import { isMapping } from "../../../common/src/mapping.js";
import { BASE_IMAGES, archImageRef, type BaseImageName, type BaseImagePlan } from "./plan.js";
import { GENERATED_LIMIT, readRegularFileSync } from "../../../common/src/read-file.js";

/**
 * `jc create-jobs` records the base image each arch uses, so that the container jobs
 * generated later in the pipeline build on exactly these images (their tags depend on
 * the Spack commit, which may move between the two jobs).
 */
export const BASE_IMAGES_FILE = "base-images.json";

export type BaseImageRefs = Readonly<Record<string, Partial<Record<BaseImageName, string>>>>;

export function renderBaseImageRefs(plans: readonly BaseImagePlan[]): string {
  const refs: Record<string, Partial<Record<BaseImageName, string>>> = {};
  for (const plan of plans) (refs[plan.arch] ??= {})[plan.image] = archImageRef(plan);
  return JSON.stringify(refs, null, 2) + "\n";
}

export function readBaseImageRefs(path: string): BaseImageRefs {
  let json: unknown;
  try {
    json = JSON.parse(readRegularFileSync(path, path, GENERATED_LIMIT).toString("utf8"));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([
      {
        file: path,
        message: `cannot read the base images jc create-jobs recorded (${(error as Error).message}): pass --generated-dir where create-jobs wrote its files`,
      },
    ]);
  }
  const valid =
    isMapping(json) &&
    Object.values(json).every(
      (images) =>
        isMapping(images) &&
        Object.entries(images).every(
          ([image, ref]) => BASE_IMAGES.includes(image as BaseImageName) && typeof ref === "string",
        ),
    );
  if (!valid)
    throw new InputError([
      { file: path, message: 'expected {"<arch>": {"builder": "<image>", ...}}' },
    ]);
  return json as BaseImageRefs;
}
