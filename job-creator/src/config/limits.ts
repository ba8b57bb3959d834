import type { SizeLimit } from "../../../common/src/read-file.js";
import type { Config } from "./schema.js";

/** The configured limit on container definitions, as the readers take it. */
export const definitionLimit = (config: Config): SizeLimit => ({
  maxBytes: config.limits.maxDefinitionBytes,
  setting: "limits.maxDefinitionBytes",
});

/** The configured limit on what Spack writes (its pipelines, lock files), as the readers take it. */
export const spackOutputLimit = (config: Config): SizeLimit => ({
  maxBytes: config.limits.maxSpackOutputBytes,
  setting: "limits.maxSpackOutputBytes",
});
