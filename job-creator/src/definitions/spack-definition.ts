import { isMapping } from "../../../common/src/mapping.js";
import type { Problem } from "../../../common/src/errors.js";
import { problemAt, type LocatedYaml } from "../../../common/src/yaml-io.js";
import { specSyntaxProblem } from "./spec-syntax.js";
import { hasControls } from "../../../common/src/control-characters.js";
import { likelyMeant } from "../../../common/src/near-miss.js";

const TOP_LEVEL_KEYS = new Set(["spack", "spacktainer"]);

/**
 * The sections of a Spack environment (`spack:`) in the releases jc supports, 0.20 to 1.x.
 * Spack refuses any other key; a key a slip away from one of these is refused here already,
 * before a pipeline runs. Others pass, for Spack to judge: a later release may add sections.
 */
const SPACK_SECTIONS = [
  "bootstrap",
  "cdash",
  "ci",
  "compilers",
  "concretizer",
  "config",
  "container",
  "definitions",
  "develop",
  "env_vars",
  "gitlab-ci",
  "include",
  "include_concrete",
  "mirrors",
  "modules",
  "packages",
  "repos",
  "specs",
  "toolchains",
  "upstreams",
  "view",
];
const SPACKTAINER_KEYS = new Set(["files", "fetch", "base"]);

/** Checks the shape of a Spack container definition; returns its `spack:` mapping. */
export function checkSpackDefinition(
  doc: LocatedYaml,
  problems: Problem[],
): Record<string, unknown> | undefined {
  const data = doc.data;
  if (!isMapping(data)) {
    problems.push(
      problemAt(
        doc,
        [],
        `${data === null || data === undefined ? "empty: " : ""}expected a mapping with a \`spack:\` key (a Spack environment)`,
      ),
    );
    return undefined;
  }
  for (const key of Object.keys(data)) {
    if (!TOP_LEVEL_KEYS.has(key)) {
      problems.push(
        problemAt(doc, [key], "unknown key: a definition holds only `spack:` and `spacktainer:`"),
      );
    }
  }
  const spack = data["spack"];
  if (!isMapping(spack)) {
    problems.push(
      problemAt(
        doc,
        ["spack"],
        spack === undefined ? "missing `spack:` mapping" : "expected a mapping",
      ),
    );
    return undefined;
  }
  checkSections(doc, spack, problems);
  checkSpecs(doc, spack["specs"], problems);
  if (spack["packages"] !== undefined && !isMapping(spack["packages"])) {
    problems.push(problemAt(doc, ["spack", "packages"], "expected a mapping of package settings"));
  }
  const spacktainer = data["spacktainer"];
  if (spacktainer !== undefined && !isMapping(spacktainer)) {
    problems.push(
      problemAt(doc, ["spacktainer"], "expected a mapping (with `files:`, `fetch:` or `base:`)"),
    );
  } else if (spacktainer) {
    for (const key of Object.keys(spacktainer)) {
      if (!SPACKTAINER_KEYS.has(key))
        problems.push(
          problemAt(
            doc,
            ["spacktainer", key],
            "unknown key: only `files`, `fetch` and `base` are allowed",
          ),
        );
    }
  }
  return spack;
}

/** Keys under `spack:` that Spack would refuse: slips of a known section, control characters. */
function checkSections(
  doc: LocatedYaml,
  spack: Record<string, unknown>,
  problems: Problem[],
): void {
  for (const key of Object.keys(spack)) {
    if (SPACK_SECTIONS.includes(key)) continue;
    const meant = likelyMeant(key, SPACK_SECTIONS);
    if (hasControls(key))
      problems.push(
        problemAt(
          doc,
          ["spack", key],
          "a key with control characters: no Spack section is named so",
        ),
      );
    else if (meant)
      problems.push(
        problemAt(
          doc,
          ["spack", key],
          `unknown section: did you mean \`${meant}\`? (Spack refuses an environment with a key it does not know)`,
        ),
      );
  }
}

function checkSpecs(doc: LocatedYaml, specs: unknown, problems: Problem[]): void {
  if (specs === undefined) {
    problems.push(
      problemAt(
        doc,
        ["spack", "specs"],
        "missing: list the Spack specs to install, e.g. `specs: [py-numpy]`",
      ),
    );
    return;
  }
  if (!Array.isArray(specs) || specs.length === 0) {
    problems.push(problemAt(doc, ["spack", "specs"], "expected a non-empty list of Spack specs"));
    return;
  }
  // The first spec names the container's main package, whose version tags the image.
  specs.forEach((spec, index) => {
    const isMatrix = index > 0 && isMapping(spec) && "matrix" in spec;
    if ((typeof spec !== "string" || spec.trim() === "") && !isMatrix) {
      problems.push(
        problemAt(
          doc,
          ["spack", "specs", index],
          'expected a spec string such as "py-numpy@1.26 +blas"',
        ),
      );
      return;
    }
    const syntax = typeof spec === "string" ? specSyntaxProblem(spec.trim()) : undefined;
    if (syntax) problems.push(problemAt(doc, ["spack", "specs", index], syntax));
  });
}
