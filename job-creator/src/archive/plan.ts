/**
 * Archives of published images and SIF files, and the way back to them. Before a tag is
 * replaced its image is kept under `<tag>-archived-<UTC time>` (the same manifest, no layer
 * copied); a SIF file under `<dir>/archive/<stem>.<UTC time>.sif` (singularitah/sif-store.sh).
 * Pure: the times, tags and digests come in, the decisions with their reasons go out.
 */

/** `-archived-`: what separates a tag from the time its image was archived. */
export const ARCHIVE_MARK = "-archived-";
/** A registry tag holds at most 128 characters ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}). */
const MAX_TAG = 128;
const STAMP = /^\d{8}T\d{6}Z$/;

/** How many archives of a tag are kept, and for how long. */
export interface Retention {
  /** The newest this many are kept whatever their age. */
  readonly keep: number;
  /** Older ones are deleted after this many days. */
  readonly maxAgeDays: number;
}

/** Whether archives are made at all: `keep: 0, maxAgeDays: 0` turns them off. */
export const archivesOn = (retention: Retention): boolean =>
  retention.keep > 0 || retention.maxAgeDays > 0;

/** `20261203T021500Z`: a UTC time as archive names hold it (sorts as it reads). */
export function archiveStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The time of a stamp, or undefined when it is none. */
export function stampTime(stamp: string): Date | undefined {
  if (!STAMP.test(stamp)) return undefined;
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/**
 * The time an archive made at `now` is named by: `now`, or the first second after it that no
 * archive of the same file has (two replacements within one second must not share a name).
 */
export function freeArchiveTime(now: Date, archives: readonly Archive[]): Date {
  const taken = new Set(archives.map((a) => a.stamp));
  let at = new Date(Math.floor(now.getTime() / 1000) * 1000);
  while (taken.has(archiveStamp(at))) at = new Date(at.getTime() + 1000);
  return at;
}

/** The archive tag of `tag` at `at`, or an error when it would be longer than a tag may be. */
export function archiveTag(tag: string, at: Date): string | { error: string } {
  const name = `${tag}${ARCHIVE_MARK}${archiveStamp(at)}`;
  return name.length <= MAX_TAG
    ? name
    : { error: `cannot archive ${tag}: its archive tag ${name} is longer than 128 characters` };
}

/** One archive of a tag, from its name. */
export interface Archive {
  readonly name: string;
  readonly stamp: string;
  readonly time: Date;
}

/** The archives of `tag` among a repository's tags, newest first. */
export const archivesOf = (tags: readonly string[], tag: string): Archive[] =>
  archivesNamed(tags, `${tag}${ARCHIVE_MARK}`, "");

/** Where sif-store.sh keeps the copy of `<dir>/<stem>.sif` it replaces at `at`. */
export function sifArchiveKey(key: string, at: Date): string {
  const { dir, stem } = sifParts(key);
  return `${dir}archive/${stem}.${archiveStamp(at)}.sif`;
}

/** The archived copies of the SIF file `key` among a bucket's keys, newest first. */
export function sifArchivesOf(keys: readonly string[], key: string): Archive[] {
  const { dir, stem } = sifParts(key);
  return archivesNamed(keys, `${dir}archive/${stem}.`, ".sif");
}

function sifParts(key: string): { dir: string; stem: string } {
  const slash = key.lastIndexOf("/") + 1;
  return { dir: key.slice(0, slash), stem: key.slice(slash).replace(/\.sif$/, "") };
}

function archivesNamed(names: readonly string[], prefix: string, suffix: string): Archive[] {
  return names
    .filter((name) => name.startsWith(prefix) && name.endsWith(suffix))
    .flatMap((name) => {
      const stamp = name.slice(prefix.length, name.length - suffix.length);
      const time = stampTime(stamp);
      return time ? [{ name, stamp, time }] : [];
    })
    .sort((a, b) => b.stamp.localeCompare(a.stamp));
}

/** The tags of a repository that have archives: what can be rolled back. */
export function archivedTags(tags: readonly string[]): string[] {
  const bases = tags.flatMap((name) => {
    const at = name.lastIndexOf(ARCHIVE_MARK);
    return at > 0 && stampTime(name.slice(at + ARCHIVE_MARK.length)) ? [name.slice(0, at)] : [];
  });
  return [...new Set(bases)].sort();
}

/** What happens to one archive under the retention, and why. */
export interface ArchiveFate<A extends Archive = Archive> {
  readonly archive: A;
  readonly keep: boolean;
  readonly reason: string;
}

/**
 * Which archives stay: the newest `keep` whatever their age, the others while younger than
 * `maxAgeDays`. `archives` newest first, as `archivesOf` gives them.
 */
export function planRetention<A extends Archive>(
  archives: readonly A[],
  retention: Retention,
  now: Date,
): ArchiveFate<A>[] {
  const cutoff = now.getTime() - retention.maxAgeDays * 86_400_000;
  return archives.map((archive, index) => {
    if (index < retention.keep)
      return { archive, keep: true, reason: `one of the newest ${retention.keep}` };
    return archive.time.getTime() >= cutoff
      ? { archive, keep: true, reason: `younger than ${retention.maxAgeDays} days` }
      : {
          archive,
          keep: false,
          reason: `older than ${retention.maxAgeDays} days and not one of the newest ${retention.keep}`,
        };
  });
}

/** What a rollback does at one place: restore an archive, or nothing, or why it cannot. */
export type RollbackChoice<A extends Archive> =
  { readonly restore: A } | { readonly unchanged: string } | { readonly error: string };

/**
 * The archive a rollback restores, `archives` newest first. Without `to`: the newest whose
 * content differs from what the tag holds now (undo the last replacement). With `to`: what
 * the tag held at that time, which is the oldest archive made after it (an archive's stamp
 * is when its image was replaced), so that every place returns to the same moment although
 * each archived at its own time.
 */
export function chooseArchive<A extends Archive & { readonly digest?: string }>(
  archives: readonly A[],
  current: string | undefined,
  to: Date | undefined,
): RollbackChoice<A> {
  if (archives.length === 0) return { error: "there is no archive to roll back to" };
  if (to !== undefined) {
    const after = archives.filter((a) => a.time.getTime() > to.getTime());
    const chosen = after.at(-1);
    if (!chosen) return { unchanged: `it has not changed since ${archiveStamp(to)}` };
    return chosen.digest !== undefined && chosen.digest === current
      ? { unchanged: `it holds what it held at ${archiveStamp(to)}` }
      : { restore: chosen };
  }
  const chosen = archives.find((a) => a.digest === undefined || a.digest !== current);
  return chosen
    ? { restore: chosen }
    : {
        error: `every archive holds what the tag holds now (${archives.map((a) => a.stamp).join(", ")})`,
      };
}

/** A time given as an archive stamp (20261203T021509Z) or an ISO 8601 time with its zone. */
export function parseRollbackTime(text: string): Date | { error: string } {
  const stamped = stampTime(text);
  if (stamped) return stamped;
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)
    ? new Date(text)
    : undefined;
  return time && !Number.isNaN(time.getTime())
    ? time
    : {
        error: `--to ${JSON.stringify(text)} is no time: give an archive stamp (20261203T021509Z) or an ISO time with its zone (2026-12-03T02:15:09Z)`,
      };
}
