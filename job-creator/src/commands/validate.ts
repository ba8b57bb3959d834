import { loadPipelineDocument, readTextFileSync } from "../../../common/src/yaml-io.js";
import { GENERATED_LIMIT, readRegularFileSync } from "../../../common/src/read-file.js";
import type { Output } from "../../../common/src/cli.js";
import { checkCiLimits, type CiLimits } from "../../../common/src/ci/limits.js";
import { ciSchemaErrors, compileCiSchema } from "../../../common/src/ci/schema.js";
import { InputError, UserError } from "../../../common/src/errors.js";
import type { CiLinter } from "../gitlab/ci-lint.js";

export interface ValidateOptions {
  readonly files: readonly string[];
  /** GitLab's CI JSON Schema (ci.json); without it only the limits are checked. */
  readonly schemaFile?: string;
  readonly limits: CiLimits;
  /** Also ask a GitLab instance (its CI Lint API). */
  readonly linter?: CiLinter;
}

/** The findings for one pipeline file; empty when it is valid. */
export interface FileFindings {
  readonly file: string;
  readonly problems: readonly string[];
}

/** Checks pipeline files against GitLab's schema and the limits the schema does not cover. */
export async function validateFiles(opts: ValidateOptions): Promise<FileFindings[]> {
  const validate = opts.schemaFile ? compileCiSchema(readSchema(opts.schemaFile)) : undefined;
  const findings: FileFindings[] = [];
  for (const file of opts.files) {
    const text = readTextFileSync(file, file, GENERATED_LIMIT);
    const loaded = loadPipelineDocument(text);
    if ("problem" in loaded) {
      findings.push({ file, problems: [loaded.problem] });
      continue;
    }
    const { doc } = loaded;
    const problems = [
      ...(validate ? ciSchemaErrors(validate, doc).map((e) => `schema: ${e}`) : []),
      ...checkCiLimits(doc, Buffer.byteLength(text), opts.limits).map((e) => `limits: ${e}`),
      ...(opts.linter ? (await opts.linter.lint(text)).errors.map((e) => `gitlab: ${e}`) : []),
    ];
    findings.push({ file, problems });
  }
  return findings;
}

function readSchema(file: string): object {
  try {
    return JSON.parse(
      readRegularFileSync(file, file, {
        maxBytes: 64 * 1024 ** 2,
        setting: "a schema's size",
      }).toString("utf8"),
    ) as object;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError([
      { file, message: `cannot read GitLab's CI schema: ${(error as Error).message}` },
    ]);
  }
}

/** `jc validate`: prints findings per file; fails when any file has a problem. */
export async function runValidate(opts: ValidateOptions, output: Output): Promise<void> {
  const findings = await validateFiles(opts);
  if (!opts.schemaFile && !opts.linter)
    output.err(
      "note: neither --schema nor --lint given: checked GitLab's limits only, not its CI schema",
    );
  for (const { file, problems } of findings) {
    if (problems.length === 0) output.out(`${file}: valid`);
    for (const problem of problems) output.out(`${file}: ${problem}`);
  }
  const bad = findings.filter((f) => f.problems.length > 0).length;
  if (bad > 0) throw new UserError(`${bad} of ${findings.length} files are not valid for GitLab`);
}
