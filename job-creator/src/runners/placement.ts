import { emulatedArchitecture } from "../config/architecture.js";
import type { ArchitectureDefinitions } from "../definitions/types.js";
import type { GenerationContext } from "../pipeline/context.js";
import type { Placement } from "./capacity.js";

/** A run's definitions and context once each architecture's placement is applied. */
export interface PlacedRun {
  /** The architectures whose base images are planned (all but those left out). */
  readonly forBaseImages: readonly ArchitectureDefinitions[];
  /** Those whose Spack jobs and containers are generated. */
  readonly forContainers: readonly ArchitectureDefinitions[];
  /** The context, emulated architectures on their fallback runners. */
  readonly ctx: GenerationContext;
  /** What the plan and the pipeline say about each architecture not built natively. */
  readonly warnings: readonly { readonly arch: string; readonly warning: string }[];
}

/**
 * Applies the placements: an architecture left out loses everything; one emulated builds its
 * base images on the fallback runners, and its Spack jobs and containers only when
 * `emulation.spack` allows them there. Architectures without a placement are native.
 */
export function placeRun(
  architectures: readonly ArchitectureDefinitions[],
  ctx: GenerationContext,
  placements: ReadonlyMap<string, Placement>,
): PlacedRun {
  const mode = (arch: string) => placements.get(arch)?.mode ?? "native";
  const forBaseImages = architectures.filter((a) => mode(a.arch) !== "skipped");
  const forContainers = forBaseImages.filter((a) => {
    const placement = placements.get(a.arch);
    return placement?.mode !== "emulated" || placement.spack;
  });
  const resolved = new Map(ctx.architectures);
  for (const [name, placement] of placements)
    if (placement.mode === "emulated" && resolved.has(name))
      resolved.set(name, emulatedArchitecture(resolved.get(name)!));
  const warnings = [...placements].flatMap(([arch, placement]) =>
    placement.mode === "native" ? [] : [{ arch, warning: placement.warning }],
  );
  return { forBaseImages, forContainers, ctx: { ...ctx, architectures: resolved }, warnings };
}
