import { describe, expect, it } from "vitest";
import type { Problem } from "../../../common/src/errors.js";
import { parseLocatedYaml } from "../../../common/src/yaml-io.js";
import { checkSpackDefinition } from "./spack-definition.js";

/** The problems of a definition whose `spack:` holds `specs` and one more key. */
function problemsWith(key: string): string[] {
  const text = `spack:\n  specs: [zlib]\n  ${JSON.stringify(key)}: {}\n`;
  const problems: Problem[] = [];
  checkSpackDefinition(parseLocatedYaml(text, "d.yaml"), problems);
  return problems.map((p) => `${p.line}: ${p.message}`);
}

describe("the sections under spack:", () => {
  it.each([
    "concretizer",
    "packages",
    "view",
    "include_concrete",
    "env_vars",
    "toolchains",
    "gitlab-ci",
    // Far from every known section: Spack judges it (a later release may add sections).
    "modules_extra_settings_of_a_later_release",
    "x",
  ])("%j passes", (key) => {
    expect(problemsWith(key)).toEqual([]);
  });

  it.each([
    ["concretiserr", "concretizer"],
    ["package", "packages"],
    ["Packages", "packages"],
    ["mirror", "mirrors"],
    ["envvars", "env_vars"],
    ["veiw", "view"],
  ])("%j is refused as a slip of %j, on its line", (key, meant) => {
    expect(problemsWith(key)).toEqual([
      `3: unknown section: did you mean \`${meant}\`? (Spack refuses an environment with a key it does not know)`,
    ]);
  });

  it("refuses a key with control characters, which no section has", () => {
    expect(problemsWith("co\u001b[2Jnfig")).toEqual([
      "3: a key with control characters: no Spack section is named so",
    ]);
  });
});
