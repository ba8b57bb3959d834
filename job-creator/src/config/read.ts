import { checkAgainstSchema } from "../../../common/src/schema-check.js";
import { throwIfProblems } from "../../../common/src/errors.js";
import { problemAt, readLocatedYaml } from "../../../common/src/yaml-io.js";
import { compilerProblems } from "./compilers.js";
import { ConfigSchema, type Config } from "./schema.js";

export const DEFAULT_CONFIG_FILE = "spacktainers.config.yaml";

/** Reads and validates the configuration file; every problem is reported at once. */
export async function readConfig(path: string, displayName = path): Promise<Config> {
  const doc = await readLocatedYaml(path, displayName);
  const config = checkAgainstSchema(ConfigSchema, doc);
  throwIfProblems(compilerProblems(config).map((p) => problemAt(doc, p.path, p.message)));
  return config;
}

/** The JSON Schema of the configuration file, for editors (yaml-language-server). */
export function configJsonSchema(): string {
  const schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "spacktainers configuration",
    ...JSON.parse(JSON.stringify(ConfigSchema)),
  };
  return JSON.stringify(schema, null, 2) + "\n";
}
