import { toYaml } from "../../../common/src/yaml-io.js";
import { archImageRef, type BaseImagePlan } from "../base-images/plan.js";
import type { ArchitectureDefinitions } from "../definitions/types.js";
import { mergeEnvironments, type MergeConflict } from "../spack/merge-env.js";
import { applyArchSettings } from "../spack/template.js";
import {
  architectureOf,
  cacheMirrorUrl,
  readOnlyMirrorUrl,
  type GenerationContext,
} from "./context.js";
import { environmentPath } from "../../../common/src/job-names.js";

export const TEMPLATE_FILE = "spack.yaml";

/** A merge conflict and the definition file it comes from. */
export interface DefinitionConflict extends MergeConflict {
  readonly file: string;
}

/**
 * Merges every Spack container into the template and puts in its arch's settings.
 * Returns the files to write (path -> YAML) and every merge conflict found.
 */
export function buildEnvironments(
  template: Readonly<Record<string, unknown>>,
  architectures: readonly ArchitectureDefinitions[],
  baseImages: readonly BaseImagePlan[],
  ctx: GenerationContext,
): { files: Map<string, string>; conflicts: DefinitionConflict[] } {
  const files = new Map<string, string>();
  const conflicts: DefinitionConflict[] = [];
  for (const { arch, containers } of architectures) {
    const builder = baseImages.find((p) => p.image === "builder" && p.arch === arch);
    for (const container of containers) {
      if (container.kind !== "spack") continue;
      const merge = mergeEnvironments(template, container.environment);
      conflicts.push(...merge.conflicts.map((c) => ({ ...c, file: container.definitionFile })));
      const settings = architectureOf(ctx, arch);
      const environment = applyArchSettings(
        merge.merged,
        {
          baseArch: settings.baseArch,
          mirrorUrl: cacheMirrorUrl(ctx, settings),
          ...optional("readOnlyMirrorUrl", readOnlyMirrorUrl(ctx, settings)),
          ...(settings.cache.endpoint ? { mirrorEndpoint: settings.cache.endpoint } : {}),
          runnerTags: [...settings.runnerTags],
          builderImage: builder ? archImageRef(builder) : "",
          variables: { ...settings.jobVariables },
        },
        ctx.config.spack.version,
      );
      // Specs first: that is what a reader of the merged file looks for.
      const { specs, ...rest } = environment;
      files.set(
        `${environmentPath(arch, container.name)}/spack.yaml`,
        toYaml({ spack: { specs, ...rest } }),
      );
    }
  }
  return { files, conflicts };
}

/** `{key: value}` when there is a value: optional properties stay absent, never undefined. */
const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;
