import { statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { isMapping } from "../../../common/src/mapping.js";
import { listFiles } from "../base-images/checksum.js";
import type { SpackContainer } from "../definitions/types.js";
import { fetchedInputPath } from "../definitions/fetched-inputs.js";
import { renderDockerfile } from "./dockerfile.js";
import { readRegularFileSync } from "../../../common/src/read-file.js";
import type { CopiedFile, FileContent } from "../../../common/src/replace-dir.js";

type ContextFiles = Map<string, FileContent>;

/** Folder of the build context in which the builder's ONBUILD steps find the environment. */
export const SPACK_ENV_CONTEXT_DIR = "spack-env";
/** The public key of a signed cache, in that folder: builder/Dockerfile trusts it by this name. */
export const SIGNING_KEY_CONTEXT_FILE = "signing-key.pub";

/**
 * The build context of a Spack container, relative to its own folder: the Dockerfile,
 * the merged environment with its lock file (which the builder's ONBUILD steps install),
 * and a copy of every file the definition copies in. The context holds everything the
 * build reads, so the artifacts are the whole recipe.
 */
export function spackBuildContext(inputs: {
  readonly repoRoot: string;
  readonly container: SpackContainer;
  readonly environment: { readonly text: string; readonly data: unknown };
  readonly lock: CopiedFile;
  readonly builderImage: string;
  readonly runtimeImage: string;
  /** The public key of a signed cache: the builder's ONBUILD install trusts it alone. */
  readonly signingKey: string | undefined;
}): ContextFiles {
  const { container, repoRoot } = inputs;
  const files: ContextFiles = new Map<string, FileContent>([
    [`${SPACK_ENV_CONTEXT_DIR}/spack.yaml`, inputs.environment.text],
    [`${SPACK_ENV_CONTEXT_DIR}/spack.lock`, inputs.lock],
  ]);
  if (inputs.signingKey !== undefined)
    files.set(`${SPACK_ENV_CONTEXT_DIR}/${SIGNING_KEY_CONTEXT_FILE}`, inputs.signingKey);
  const copies = [];
  for (const [index, pair] of container.files.entries()) {
    const inContext = `files/${index}/${basename(pair.source)}`;
    for (const [path, content] of readTree(join(repoRoot, pair.source)))
      files.set(path ? `${inContext}/${path}` : inContext, content);
    copies.push({ source: inContext, target: pair.target });
  }
  // Fetched by the build job into the context before `buildah build` (never stored here).
  for (const [index, input] of container.fetched.entries())
    copies.push({ source: fetchedInputPath(index, input.url), target: input.target });
  const epilogue = container.epilogue
    ? readRegularFileSync(join(repoRoot, container.epilogue), container.epilogue).toString("utf8")
    : undefined;
  files.set(
    "Dockerfile",
    renderDockerfile({
      builderImage: inputs.builderImage,
      runtimeImage: inputs.runtimeImage,
      installedPaths: installedPaths(inputs.environment.data),
      files: copies,
      ...(epilogue ? { epilogue } : {}),
    }),
  );
  return files;
}

/** A file (path "") or every file below a folder (paths relative to it). */
function readTree(path: string): [string, Uint8Array][] {
  if (!statSync(path).isDirectory()) return [["", readRegularFileSync(path, path)]];
  const files: [string, Uint8Array][] = [];
  for (const file of listFiles(path))
    files.push([relative(path, file).split("\\").join("/"), readRegularFileSync(file, file)]);
  return files;
}

/** Spack's default install tree when the environment names none. */
const DEFAULT_INSTALL_ROOT = "/opt/spack/opt/spack";

/**
 * What the runtime stage copies from the builder: the install tree and every view root
 * of the merged environment (`spack.config.install_tree.root`, `spack.view`).
 */
export function installedPaths(environment: unknown): string[] {
  const spack = isMapping(environment) ? environment["spack"] : undefined;
  if (!isMapping(spack)) return [DEFAULT_INSTALL_ROOT];
  const config = isMapping(spack["config"]) ? spack["config"] : {};
  const tree = config["install_tree"];
  const root = isMapping(tree) ? tree["root"] : typeof tree === "string" ? tree : undefined;
  const paths = [typeof root === "string" ? root : DEFAULT_INSTALL_ROOT];
  const view = spack["view"];
  if (typeof view === "string") paths.push(view);
  else if (isMapping(view)) {
    for (const descriptor of Object.values(view))
      if (isMapping(descriptor) && typeof descriptor["root"] === "string")
        paths.push(descriptor["root"]);
  }
  return [...new Set(paths)];
}

/**
 * The `.def` file with its `From:` pinned to the digest read at generation time, so the
 * SIF file is built from the very image whose digest its metadata records; with
 * `bootstrap`, its `Bootstrap:` set too (a `.def` on one of ours becomes a docker one).
 */
export function pinDefinition(text: string, pinnedFrom: string, bootstrap?: string): string {
  const lines = text.split("\n");
  const replace = (key: string, value: string) => {
    const at = definitionHeaderLine(lines, key);
    if (at !== undefined)
      lines[at] = lines[at]!.replace(
        new RegExp(`^(\\s*${key}\\s*:\\s*)\\S.*?(\\r?)$`, "i"),
        (_match, start: string, end: string) => `${start}${value}${end}`,
      );
  };
  replace("From", pinnedFrom);
  if (bootstrap) replace("Bootstrap", bootstrap);
  return lines.join("\n");
}

/** The index of the header line setting `key` (the header ends at the first %section). */
function definitionHeaderLine(lines: readonly string[], key: string): number | undefined {
  const headerEnd = lines.findIndex((line) => line.trim().startsWith("%"));
  const header = headerEnd === -1 ? lines : lines.slice(0, headerEnd);
  const at = header.findIndex((line) => new RegExp(`^\\s*${key}\\s*:`, "i").test(line));
  return at === -1 ? undefined : at;
}
