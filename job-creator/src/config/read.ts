import { checkValidated, type Validator } from "../../../common/src/schema-errors.js";
import { throwIfProblems } from "../../../common/src/errors.js";
import { problemAt, readLocatedYamlSync } from "../../../common/src/yaml-io.js";
import { compilerProblems } from "./compilers.js";
import type { Config } from "./schema.js";
// Compiled ahead from schema.ts: neither TypeBox nor ajv's compiler is loaded to check it.
import validateConfig from "./validate-config.generated.js";

export { DEFAULT_CONFIG_FILE } from "./file-name.js";

/** Reads and validates the configuration file; every problem is reported at once. */
export function readConfig(path: string, displayName = path): Config {
  const doc = readLocatedYamlSync(path, displayName);
  const config = checkValidated(validateConfig as Validator<Config>, doc);
  throwIfProblems(compilerProblems(config).map((p) => problemAt(doc, p.path, p.message)));
  return config;
}
