import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";

/** `jc schema`: its options, help and action. */
export function schemaCommand(): Command {
  return new Command("schema")
    .description("print the JSON Schema of the configuration file (for editors)")
    .action(async () => {
      const { configJsonSchema } = await import("../config/json-schema.js");

      consoleOutput.out(configJsonSchema().trimEnd());
    });
}
