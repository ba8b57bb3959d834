import { readdir, stat } from "node:fs/promises";
import { distance } from "fastest-levenshtein";
import { join } from "node:path";
import {
  InputError,
  orProblems,
  throwIfProblems,
  type Problem,
} from "../../../common/src/errors.js";
import {
  HAND_WRITTEN_LIMIT,
  readLocatedYamlSync,
  problemAt,
  readTextFileSync,
  type LocatedYaml,
} from "../../../common/src/yaml-io.js";
import type { SizeLimit } from "../../../common/src/read-file.js";
import { isMapping } from "../../../common/src/mapping.js";
import { baseProblems } from "./bases.js";
import { parseDefFile } from "./def-file.js";
import { readFetchedInputs } from "./fetched-inputs.js";
import { readFilePairs } from "./file-pairs.js";
import { containerNameProblem, entryNameProblem, isDisabled, shownName } from "./names.js";
import { checkSpackDefinition } from "./spack-definition.js";
import type { ArchitectureDefinitions, ContainerBase, ContainerDefinition } from "./types.js";
import { describeFsError } from "../../../common/src/fs-errors.js";

export const DEFINITIONS_DIR = "container_definitions";
/** Where sources of `spacktainer.files` of single-file definitions live, as in the original. */
export const FILES_BASE_DIR = "spacktainer";

export interface DefinitionsRead {
  readonly architectures: readonly ArchitectureDefinitions[];
  /** Folders and entries that were skipped, with why, for the plan output. */
  readonly skipped: readonly string[];
}

interface Entry {
  readonly name: string;
  readonly kind: "file" | "folder";
}

/**
 * Reads `container_definitions/<arch>/` of the repository. Every problem in every file
 * is collected before failing, so one run shows them all.
 */
export async function readDefinitions(
  repoRoot: string,
  knownArchs: readonly string[],
  limit: SizeLimit = HAND_WRITTEN_LIMIT,
): Promise<DefinitionsRead> {
  const problems: Problem[] = [];
  const skipped: string[] = [];
  const architectures: ArchitectureDefinitions[] = [];
  for (const archEntry of await listEntries(repoRoot, DEFINITIONS_DIR, problems)) {
    const archDir = `${DEFINITIONS_DIR}/${archEntry.name}`;
    if (archEntry.kind !== "folder") {
      skipped.push(
        `${archDir}: ignored (not in an architecture folder: move it to ${DEFINITIONS_DIR}/<arch>/)`,
      );
      continue;
    }
    if (isDisabled(archEntry.name)) {
      skipped.push(`${archDir}/: disabled (name starts with "_")`);
      continue;
    }
    if (!knownArchs.includes(archEntry.name)) {
      problems.push({
        file: `${archDir}/`,
        message: `no architecture "${archEntry.name}" in the configuration: add it under \`architectures:\` or rename the folder to _${archEntry.name} to disable it`,
      });
      continue;
    }
    const containers = await readArchitecture(repoRoot, archEntry.name, limit, problems, skipped);
    if (containers.length > 0) architectures.push({ arch: archEntry.name, containers });
  }
  throwIfProblems(problems);
  return { architectures, skipped };
}

async function readArchitecture(
  repoRoot: string,
  arch: string,
  limit: SizeLimit,
  problems: Problem[],
  skipped: string[],
): Promise<ContainerDefinition[]> {
  const archDir = `${DEFINITIONS_DIR}/${arch}`;
  const containers: ContainerDefinition[] = [];
  const seen = new Map<string, string>();
  for (const entry of await listEntries(repoRoot, archDir, problems)) {
    const source = `${archDir}/${entry.name}`;
    if (isDisabled(entry.name) || entry.name.startsWith(".")) {
      skipped.push(`${source}: disabled`);
      continue;
    }
    if (entry.kind === "folder") skipped.push(...(await nearMisses(repoRoot, source)));
    const definition = await readEntry(repoRoot, arch, entry, limit, problems, skipped);
    if (!definition) continue;
    const earlier = seen.get(definition.name);
    if (earlier) {
      problems.push({
        file: source,
        message: `container "${definition.name}" is also defined by ${earlier}: keep one`,
      });
      continue;
    }
    seen.set(definition.name, source);
    containers.push(definition);
  }
  problems.push(...baseProblems(containers));
  return containers;
}

async function readEntry(
  repoRoot: string,
  arch: string,
  entry: Entry,
  limit: SizeLimit,
  problems: Problem[],
  skipped: string[],
): Promise<ContainerDefinition | undefined> {
  const source = `${DEFINITIONS_DIR}/${arch}/${entry.name}`;
  const match = /^(.*)\.(ya?ml|def)$/.exec(entry.name);
  if (entry.kind === "file" && !match) {
    skipped.push(`${source}: ignored (not .yaml, .yml or .def)`);
    return undefined;
  }
  const name = entry.kind === "folder" ? entry.name : match![1]!;
  const nameProblem = containerNameProblem(name);
  if (nameProblem) {
    problems.push({ file: source, message: nameProblem });
    return undefined;
  }
  if (match?.[2] === "def") return readCustom(repoRoot, arch, name, source, limit, problems);
  return readSpack(repoRoot, arch, name, source, entry.kind, limit, problems);
}

async function readCustom(
  repoRoot: string,
  arch: string,
  name: string,
  source: string,
  limit: SizeLimit,
  problems: Problem[],
): Promise<ContainerDefinition | undefined> {
  const text = await orProblems(
    () => readTextFileSync(join(repoRoot, source), source, limit),
    problems,
  );
  if (text === undefined) return undefined;
  const from = parseDefFile(text, source, problems);
  return from && { kind: "custom", name, arch, source, definitionFile: source, from };
}

async function readSpack(
  repoRoot: string,
  arch: string,
  name: string,
  source: string,
  kind: Entry["kind"],
  limit: SizeLimit,
  problems: Problem[],
): Promise<ContainerDefinition | undefined> {
  const definitionFile =
    kind === "folder" ? await folderEnvironmentFile(repoRoot, source, problems) : source;
  if (!definitionFile) return undefined;
  const doc = await orProblems(
    () => readLocatedYamlSync(join(repoRoot, definitionFile), definitionFile, limit),
    problems,
  );
  if (!doc) return undefined;
  const before = problems.length;
  const environment = checkSpackDefinition(doc, problems);
  const baseDir = join(repoRoot, kind === "folder" ? source : FILES_BASE_DIR);
  // An empty file or a scalar has no keys: checkSpackDefinition reported it.
  const spacktainer = isMapping(doc.data)
    ? (doc.data as { spacktainer?: { files?: unknown; fetch?: unknown; base?: unknown } })
        .spacktainer
    : undefined;
  const files = await readFilePairs(doc, spacktainer?.files, baseDir, repoRoot, problems);
  const fetched = readFetchedInputs(doc, spacktainer?.fetch, problems);
  const base = readBase(doc, spacktainer?.base, problems);
  if (!environment || problems.length > before) return undefined;
  const epilogue =
    kind === "folder" && (await isFile(join(repoRoot, source, "Dockerfile.epilogue")));
  return {
    kind: "spack",
    name,
    arch,
    source,
    definitionFile,
    environment,
    files,
    fetched,
    ...(base ? { base } : {}),
    ...(epilogue ? { epilogue: `${source}/Dockerfile.epilogue` } : {}),
  };
}

/** `spacktainer.base`: the name of a Spack container of the same architecture. */
function readBase(
  doc: LocatedYaml,
  value: unknown,
  problems: Problem[],
): ContainerBase | undefined {
  if (value === undefined) return undefined;
  const path = ["spacktainer", "base"];
  const problem =
    typeof value !== "string"
      ? "expected the name of a Spack container of this architecture"
      : containerNameProblem(value, " (name a container of this folder)");
  if (problem) {
    problems.push(problemAt(doc, path, problem));
    return undefined;
  }
  return { container: value as string, line: doc.lineOf(path) };
}

async function folderEnvironmentFile(
  repoRoot: string,
  folder: string,
  problems: Problem[],
): Promise<string | undefined> {
  for (const candidate of ["spack.yaml", "spack.yml"]) {
    if (await isFile(join(repoRoot, folder, candidate))) return `${folder}/${candidate}`;
  }
  problems.push({
    file: `${folder}/`,
    message: "a container folder needs a spack.yaml with the Spack environment",
  });
  return undefined;
}

/** The entries of `dir`, sorted; those with names no message can show as they are are problems. */
async function listEntries(repoRoot: string, dir: string, problems: Problem[]): Promise<Entry[]> {
  let dirents;
  try {
    dirents = await readdir(join(repoRoot, dir), { withFileTypes: true });
  } catch (error) {
    throw new InputError([
      { file: `${dir}/`, message: `cannot read folder: ${describeFsError(error)}` },
    ]);
  }
  const entries: Entry[] = [];
  for (const d of dirents) {
    const nameProblem = entryNameProblem(dir, d.name);
    if (nameProblem) {
      problems.push(nameProblem);
      continue;
    }
    // A dangling or looping link is taken for a file: reading it then says what is wrong.
    const target = d.isSymbolicLink()
      ? await stat(join(repoRoot, dir, d.name)).catch(() => undefined)
      : undefined;
    const isFolder = d.isDirectory() || Boolean(target?.isDirectory());
    entries.push({ name: d.name, kind: isFolder ? "folder" : "file" });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The files a container folder's name means something for. */
const FOLDER_FILES = ["spack.yaml", "spack.yml", "Dockerfile.epilogue"];

/** Names in a container folder that look like a known file but are not (`Dockerfile.epilog`). */
async function nearMisses(repoRoot: string, folder: string): Promise<string[]> {
  const names = await readdir(join(repoRoot, folder)).catch(() => [] as string[]);
  return names.flatMap((name) => {
    if (FOLDER_FILES.includes(name)) return [];
    const close = FOLDER_FILES.find(
      (known) => distance(known.toLowerCase(), name.toLowerCase()) <= 3,
    );
    return close ? [`${folder}/${shownName(name)}: ignored; did you mean ${close}?`] : [];
  });
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
