import { Command } from "commander";
import { consoleOutput } from "../../../common/src/cli.js";
import { configJsonSchema } from "../config/read.js";

/** `jc schema`: its options, help and action. */
export function schemaCommand(): Command {
  return new Command("schema")
    .description("print the JSON Schema of the configuration file (for editors)")
    .action(() => {
      consoleOutput.out(configJsonSchema().trimEnd());
    });
}
