import type { Retention } from "../archive/plan.js";

/** A current SIF file of the containers bucket (not an archived copy). */
export interface SifFile {
  readonly key: string;
  /** The container: the file name up to `__`. */
  readonly name: string;
  /** The branch its metadata records; none for the default branch's. */
  readonly branch?: string;
  readonly lastModified: Date;
}

/** What happens to one SIF file, and why. */
export interface SifFate {
  readonly file: SifFile;
  readonly keep: boolean;
  readonly reason: string;
}

/**
 * Which SIF files stay: per container and branch the newest `keep` (the tags built now are
 * among them: every build uploads its file again), the others while younger than
 * `maxAgeDays`. Pure: the listing and the time come in. Files of other containers or
 * branches never count against each other.
 */
export function planSifRetirement(
  files: readonly SifFile[],
  retention: Retention,
  now: Date,
): SifFate[] {
  const groups = new Map<string, SifFile[]>();
  for (const file of files) {
    const group = `${file.name}\u0000${file.branch ?? ""}`;
    groups.set(group, [...(groups.get(group) ?? []), file]);
  }
  const cutoff = now.getTime() - retention.maxAgeDays * 86_400_000;
  return [...groups.values()].flatMap((group) =>
    [...group]
      .sort(
        (a, b) => b.lastModified.getTime() - a.lastModified.getTime() || a.key.localeCompare(b.key),
      )
      .map((file, index): SifFate => {
        const of = `${file.name} on ${file.branch ? `branch ${file.branch}` : "the default branch"}`;
        if (index < retention.keep)
          return { file, keep: true, reason: `one of the newest ${retention.keep} of ${of}` };
        if (file.lastModified.getTime() >= cutoff)
          return { file, keep: true, reason: `changed within ${retention.maxAgeDays} days` };
        return {
          file,
          keep: false,
          reason: `unchanged for over ${retention.maxAgeDays} days, with ${retention.keep} newer files of ${of}`,
        };
      }),
  );
}
