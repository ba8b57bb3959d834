import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { ConfigSchema } from "../src/config/schema.js";

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  patternProperties?: Record<string, SchemaNode>;
}

describe("README configuration reference", () => {
  it("mentions every configuration key", async () => {
    const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
    const reference = readme.slice(readme.indexOf("## Configuration reference"));
    const root = ConfigSchema as unknown as SchemaNode;
    const arch = Object.values(root.properties!["architectures"]!.patternProperties!)[0]!;
    const missing: string[] = [];
    for (const [key, node] of Object.entries(root.properties!)) {
      if (key === "architectures") continue;
      if (!reference.includes(`\`${key}`)) missing.push(key);
      for (const child of Object.keys(node.properties ?? {}))
        if (!reference.includes(child)) missing.push(`${key}.${child}`);
    }
    for (const key of Object.keys(arch.properties!))
      if (!reference.includes(`architectures.<arch>.${key}`))
        missing.push(`architectures.<arch>.${key}`);
    expect(missing).toEqual([]);
  });
});
