import type { Output } from "../../../common/src/cli.js";
import { InputError, UserError } from "../../../common/src/errors.js";
import { writeFileAtomic } from "../../../common/src/atomic-write.js";
import { applyPrune, type ApplyResult } from "../apply.js";
import { readLockedHashes, readPackageNames } from "../inputs.js";
import { checkOutputFiles } from "../../../common/src/output-files.js";
import { planPrune, type DependentsStrategy, type Plan, type PlanOptions } from "../plan.js";
import { readSnapshot } from "../snapshot.js";
import type { IndexEntry } from "../../../common/src/spack-cache/index.js";
import type { BucketStore } from "../../../common/src/s3/types.js";
import { formatSummary } from "../summary.js";

export interface PruneOptions {
  readonly prefix: string;
  readonly maxAgeDays: number;
  /** The grace period in days: nothing younger is deleted. */
  readonly minAgeDays: number;
  readonly locks: readonly string[];
  readonly spackDirectory?: string;
  readonly dependents: DependentsStrategy;
  readonly dryRun: boolean;
  /** Where to write the full plan as JSON. */
  readonly jsonFile?: string;
  /** Where the caller also appends every line: checked, with `jsonFile`, before the bucket is read. */
  readonly logFile?: string;
  readonly concurrency: number;
  readonly batchSize?: number;
  /** When the run started: objects modified since are never touched. */
  readonly now: Date;
  /** Draws progress while deleting (a terminal); CI logs get the plain batch lines only. */
  readonly progress?: (done: number, total: number) => void;
  /** Manual purges (see PlanOptions): which specs to delete instead of the age rule. */
  readonly select?: PlanOptions["select"];
  /** For manual purges: a message when the selection names nothing in the index (a typo). */
  readonly checkSelection?: (index: ReadonlyMap<string, IndexEntry>) => string | undefined;
  readonly orphans?: PlanOptions["orphans"];
}

export interface PruneReport {
  readonly plan: Plan;
  readonly applied?: ApplyResult;
}

/** `spackitor`: read the mirror once, decide every object, then (unless --dry-run) delete. */
export async function runPrune(
  opts: PruneOptions,
  store: BucketStore,
  output: Output,
): Promise<PruneReport> {
  const locked = await readLockedHashes(opts.locks);
  const packageExists = opts.spackDirectory
    ? await readPackageNames(opts.spackDirectory)
    : undefined;
  // Checked after every input is read and before the first line, which begins the log.
  await checkOutputFiles(
    [
      ...(opts.jsonFile ? [{ flag: "--json", path: opts.jsonFile }] : []),
      ...(opts.logFile ? [{ flag: "--log-file", path: opts.logFile }] : []),
    ],
    locked.files.map((path) => ({ path, what: "a lock file" })),
  );
  output.out(
    `reading ${store.description}${opts.prefix ? `/${opts.prefix}` : ""}; ${locked.hashes.size} specs kept by ${locked.files.length} lock files`,
  );
  const snapshot = await readSnapshot(store, opts.prefix, output.err);
  output.out(
    `listed ${snapshot.objects.length} objects (layouts: ${snapshot.layouts.join(", ") || "none"}), ${snapshot.index.size} specs in the index${snapshot.journal ? `; finishing an interrupted run of ${snapshot.journal.written.toISOString()}` : ""}`,
  );
  const selectionProblem =
    snapshot.indexProblems.length === 0 && opts.checkSelection?.(snapshot.index);
  if (selectionProblem) throw new InputError(selectionProblem);
  const base = {
    maxAgeDays: opts.maxAgeDays,
    minAgeDays: opts.minAgeDays,
    now: opts.now,
    locked: locked.hashes,
    ...(packageExists ? { packageExists } : {}),
    ...(opts.select ? { select: opts.select } : {}),
    ...(opts.orphans ? { orphans: opts.orphans } : {}),
  };
  const plan = planPrune(snapshot, { ...base, dependents: opts.dependents });
  const other = opts.dependents === "delete" ? "keep" : "delete";
  const otherPlan = planPrune(snapshot, { ...base, dependents: other });
  for (const line of formatSummary(
    plan,
    { name: other, deletes: otherPlan.decisions.filter((d) => d.action === "delete").length },
    opts.dependents,
  )) {
    output.out(line);
  }
  if (opts.jsonFile)
    await writeFileAtomic(
      opts.jsonFile,
      JSON.stringify({ decisions: plan.decisions, conflicts: plan.conflicts }, null, 1) + "\n",
    );
  if (opts.dryRun) {
    output.out("dry run: nothing was deleted");
    return { plan };
  }
  const applied = await applyPrune(store, opts.prefix, plan, {
    concurrency: opts.concurrency,
    now: opts.now,
    journalFound: snapshot.journal !== undefined,
    log: output.out,
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  const indexNote = applied.indexNotes.join("; ") || "index unchanged";
  output.out(
    `deleted ${applied.deleted} objects in ${applied.batches} batches, freed ${(applied.bytesFreed / 1e6).toFixed(1)} MB; ${indexNote}`,
  );
  if (applied.failed.length > 0) {
    for (const f of applied.failed.slice(0, 20)) output.err(`not deleted: ${f.key}: ${f.message}`);
    throw new UserError(
      `${applied.failed.length} objects could not be deleted (see above); the index lists none of their specs, and the next run deletes them`,
    );
  }
  return { plan, applied };
}
