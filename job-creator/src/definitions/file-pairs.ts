import { readdir, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Problem } from "../../../common/src/errors.js";
import { problemAt, type LocatedYaml } from "../../../common/src/yaml-io.js";
import type { FilePair } from "./types.js";

/**
 * Reads `spacktainer.files`: entries `"source:/target"` or `{source, target}`. The source
 * is relative to `baseDir` and must exist inside the repository (symlinks resolved); the
 * target is an absolute path inside the image.
 */
export async function readFilePairs(
  doc: LocatedYaml,
  entries: unknown,
  baseDir: string,
  repoRoot: string,
  problems: Problem[],
): Promise<FilePair[]> {
  if (entries === undefined) return [];
  if (!Array.isArray(entries)) {
    problems.push(
      problemAt(doc, ["spacktainer", "files"], 'expected a list of "source:/target" entries'),
    );
    return [];
  }
  const realRoot = await realpath(repoRoot);
  const pairs: FilePair[] = [];
  for (const [index, entry] of entries.entries()) {
    const path = ["spacktainer", "files", index];
    const pair = splitPair(entry);
    if (typeof pair === "string") {
      problems.push(problemAt(doc, path, pair));
      continue;
    }
    const located = await locateSource(pair.source, baseDir, realRoot);
    if ("error" in located) {
      problems.push(problemAt(doc, path, located.error));
      continue;
    }
    pairs.push({ source: located.path, target: pair.target });
  }
  return pairs;
}

function splitPair(entry: unknown): FilePair | string {
  let source: unknown;
  let target: unknown;
  if (typeof entry === "string") {
    // The target is absolute, so the pair splits at the first ":/"; sources may hold ":".
    const at = entry.indexOf(":/");
    if (at <= 0) return `expected "source:/absolute/target", got "${entry}"`;
    [source, target] = [entry.slice(0, at), entry.slice(at + 1)];
  } else if (entry !== null && typeof entry === "object") {
    ({ source, target } = entry as Record<string, unknown>);
  }
  if (typeof source !== "string" || typeof target !== "string") {
    return 'expected "source:/target" or {source, target} with string values';
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
  if (/[\0-\x1f\x7f]/.test(source + target)) return "paths must not contain control characters";
  if (!target.startsWith("/") || target.split("/").includes("..")) {
    return `target "${target}" must be an absolute path without ".."`;
  }
  return { source, target };
}

async function locateSource(
  source: string,
  baseDir: string,
  realRoot: string,
): Promise<{ path: string } | { error: string }> {
  if (isAbsolute(source)) return { error: `source "${source}" must be a relative path` };
  let real: string;
  try {
    real = await realpath(resolve(baseDir, source));
  } catch {
    return {
      error: `source "${source}" does not exist (looked in ${relative(realRoot, baseDir) || "."}/)`,
    };
  }
  const inside = relative(realRoot, real);
  if (inside.startsWith("..") || isAbsolute(inside)) {
    return {
      error: `source "${source}" resolves outside the repository: only files of the repository can be copied`,
    };
  }
  const contentError = await sourceContentError(source, real);
  return contentError ? { error: contentError } : { path: inside.split("\\").join("/") };
}

/**
 * What a source is or holds that the build context cannot carry. The context gets regular
 * files only: a named pipe or a device is no content (reading one would wait, or never end);
 * in a folder, a symbolic link (possibly a loop, or a way out of the repository) or a special
 * file would silently be missing from the image, and a folder without files would leave the
 * Dockerfile copying nothing that exists.
 */
async function sourceContentError(source: string, real: string): Promise<string | undefined> {
  const info = await stat(real);
  if (info.isFile()) return undefined;
  if (!info.isDirectory())
    return `source "${source}" is neither a regular file nor a folder (a named pipe or a device?)`;
  const entries = await readdir(real, { withFileTypes: true, recursive: true });
  const others = entries
    .filter((e) => !e.isFile() && !e.isDirectory())
    .map((e) => relative(real, join(e.parentPath, e.name)).split("\\").join("/"))
    .sort();
  if (others.length > 0)
    return `folder "${source}" holds symbolic links or special files (${others.slice(0, 3).join(", ")}${others.length > 3 ? `, and ${others.length - 3} more` : ""}), which the image would not get: put the files themselves there`;
  if (!entries.some((e) => e.isFile())) return `folder "${source}" holds no files: nothing to copy`;
  return undefined;
}
