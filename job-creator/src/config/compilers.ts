import type { Config } from "./schema.js";

/** A compiler a spec requires, as `%name@version` (version optional, ranges left alone). */
const REQUIRED = /%([a-z][a-z0-9-]*)(?:@([0-9][0-9.:,]*))?/g;

/** `12` is met by `12.3` and `12.3` by `12`: the builder's list names major versions. */
const compatible = (wanted: string, has: string) =>
  wanted.includes(":") ||
  wanted.includes(",") ||
  `${has}.`.startsWith(`${wanted}.`) ||
  `${wanted}.`.startsWith(`${has}.`);

/**
 * The compilers an architecture's baseArch requires that the builder image does not provide
 * (images.builderCompilers): Spack would then fail to concretize every environment of that
 * architecture in the generate jobs. Pure; one message per architecture.
 */
export function compilerProblems(config: Config): { path: (string | number)[]; message: string }[] {
  const provided = config.images.builderCompilers.map((c) => {
    const [name, version] = c.split("@") as [string, string];
    return { name, version };
  });
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [arch, settings] of Object.entries(config.architectures)) {
    const missing = [...settings.baseArch.matchAll(REQUIRED)]
      .filter(([, name, version]) =>
        provided.every(
          (p) => p.name !== name || (version !== undefined && !compatible(version, p.version)),
        ),
      )
      .map(([text]) => text);
    if (missing.length === 0) continue;
    problems.push({
      path: ["architectures", arch, "baseArch"],
      message: `requires ${missing.join(", ")}, which the builder image does not provide (images.builderCompilers: ${config.images.builderCompilers.join(", ")}): install it with images.builderPackages and list it in images.builderCompilers, or require a compiler the builder has`,
    });
  }
  return problems;
}
