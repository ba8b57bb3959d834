import type { Problem } from "../../../common/src/errors.js";
import { parseImageReference, type ImageReference } from "./image-ref.js";
import { containerNameProblem } from "./names.js";
import type { ContainerBase } from "./types.js";

/** The bootstrap agent of a `.def` built on one of our Spack containers (`From: NAME`). */
export const OUR_CONTAINER_BOOTSTRAP = "spacktainer";

/**
 * Reads the header of a Singularity/Apptainer definition file: `Bootstrap: docker` and the
 * `From:` image it starts from, or `Bootstrap: spacktainer` and the name of one of our
 * containers (jc writes the build context's copy with `Bootstrap: docker` and its image).
 * @see https://apptainer.org/docs/user/latest/definition_files.html#header
 */
export function parseDefFile(
  text: string,
  file: string,
  problems: Problem[],
): ImageReference | ContainerBase | undefined {
  const header: { key: string; value: string; line: number }[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("%")) break; // sections start: the header is over
    const match = /^([A-Za-z]+)\s*:\s*(.*)$/.exec(line);
    if (match)
      header.push({ key: match[1]!.toLowerCase(), value: match[2]!.trim(), line: index + 1 });
  }
  // jc pins the source image by its digest from an OCI registry: only `docker` sources are
  // images it can look up (library:// is Sylabs' cloud, oras:// an artifact, not an image).
  const bootstrap = header.find((h) => h.key === "bootstrap");
  if (!bootstrap) {
    problems.push({
      file,
      line: 1,
      message: "no `Bootstrap:` line: start the file with `Bootstrap: docker` and a `From:` image",
    });
  } else if (!["docker", OUR_CONTAINER_BOOTSTRAP].includes(bootstrap.value.toLowerCase())) {
    problems.push({
      file,
      line: bootstrap.line,
      message: `Bootstrap "${bootstrap.value}" is not supported: jc builds from registry images and pins their digest; use "Bootstrap: docker" (or "Bootstrap: ${OUR_CONTAINER_BOOTSTRAP}" with From: naming one of this architecture's Spack containers)`,
    });
  }
  const from = header.find((h) => h.key === "from");
  if (!from || from.value === "") {
    problems.push({
      file,
      line: 1,
      message: "no `From:` line: name the image to start from, e.g. `From: ubuntu:22.04`",
    });
    return undefined;
  }
  if (bootstrap?.value.toLowerCase() === OUR_CONTAINER_BOOTSTRAP) {
    const nameProblem = containerNameProblem(from.value, " (name a container of this folder)");
    if (nameProblem) {
      problems.push({ file, line: from.line, message: `From: ${nameProblem}` });
      return undefined;
    }
    return { container: from.value, line: from.line };
  }
  const ref = parseImageReference(from.value);
  if ("error" in ref) {
    problems.push({ file, line: from.line, message: ref.error });
    return undefined;
  }
  return ref;
}
