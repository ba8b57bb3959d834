#!/usr/bin/env node
import { appendFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { consoleOutput, runMain, type Output } from "../../common/src/cli.js";
import { runPrune, type PruneOptions } from "./commands/prune.js";
import { S3Store } from "../../common/src/s3/s3-store.js";

const wholeNumber = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
  return n;
};

/** Prints as usual and also appends each line, with a time, to the log file. */
function withLogFile(output: Output, file: string | undefined): Output {
  if (!file) return output;
  const log = (line: string) => appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
  return { out: (l) => (log(l), output.out(l)), err: (l) => (log(l), output.err(l)) };
}

interface MirrorFlags {
  bucket: string;
  prefix: string;
  endpoint?: string;
  lock: string[];
  lockDir?: string[];
  dependents: "delete" | "keep";
  dryRun?: boolean;
  index: boolean;
  json?: string;
  logFile?: string;
  concurrency: number;
}

/** The options every command shares: where the mirror is, what to keep, how to act. */
function mirrorCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .requiredOption("-b, --bucket <name>", "the bucket holding the mirror")
    .option("-p, --prefix <path>", "the mirror root inside the bucket", "")
    .addOption(
      new Option("--endpoint <url>", "S3 endpoint for S3-compatible stores").env("S3_ENDPOINT_URL"),
    )
    .option(
      "-e, --lock <path...>",
      "spack.lock files, or folders searched for them: their specs are always kept",
      [],
    )
    .option("--lock-dir <path...>", "same as --lock")
    .addOption(
      new Option("--dependents <strategy>", "what happens to specs depending on a deleted one")
        .choices(["delete", "keep"])
        .default("delete"),
    )
    .option("-n, --dry-run", "print the plan, delete nothing")
    .option(
      "--no-index",
      "leave the index for `spack buildcache update-index` instead of rewriting it",
    )
    .option("--json <file>", "write the full plan (every object, action and reason) as JSON")
    .option("--log-file <file>", "also append every line to this file")
    .option("--concurrency <n>", "delete batches at once", wholeNumber(1), 4)
    .option("--debug", "print causes and stack traces of errors");
}

/** A one-line progress bar on a terminal's stderr; nothing in CI, where stderr is a pipe. */
function terminalProgress(): PruneOptions["progress"] {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    process.stderr.write(
      `\rdeleting [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} batches${done === total ? "\n" : ""}`,
    );
  };
}

async function run(
  flags: MirrorFlags,
  extra: Pick<PruneOptions, "maxAgeDays"> & Partial<PruneOptions>,
): Promise<void> {
  const output = withLogFile(consoleOutput, flags.logFile);
  const store = new S3Store({
    bucket: flags.bucket,
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
  });
  const progress = terminalProgress();
  await runPrune(
    {
      prefix: flags.prefix.replace(/^\/+|\/+$/g, ""),
      locks: [...flags.lock, ...(flags.lockDir ?? [])],
      dependents: flags.dependents,
      dryRun: Boolean(flags.dryRun),
      rewriteIndex: flags.index,
      ...(flags.json ? { jsonFile: flags.json } : {}),
      concurrency: flags.concurrency,
      now: new Date(),
      ...(progress ? { progress } : {}),
      ...extra,
    },
    store,
    output,
  );
}

const prune = mirrorCommand(
  "prune",
  "Delete specs older than --max-age (and, by --dependents, what depends on them), specs whose package " +
    "is gone, and orphaned objects, keeping every spec the given spack.lock files use. The default command.",
)
  .requiredOption("-m, --max-age <days>", "delete unused specs older than this", wholeNumber(0))
  .option(
    "-s, --spack-directory <dir>",
    "a Spack checkout: specs whose package no longer exists are deleted",
  )
  .addHelpText(
    "after",
    "\nCredentials come from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles).\n" +
      "Objects modified after the run started are never touched. Exit codes: 0 done, 1 failure, 2 bad input.\n\n" +
      "Examples:\n" +
      "  spackitor -b spack-cache -m 30 -e jobs_scratch_dir.amd64 --dry-run\n" +
      "  spackitor -b spack-cache -p mirror -m 90 --dependents keep --json plan.json\n",
  )
  .action((flags: MirrorFlags & { maxAge: number; spackDirectory?: string }) =>
    run(flags, {
      maxAgeDays: flags.maxAge,
      ...(flags.spackDirectory ? { spackDirectory: flags.spackDirectory } : {}),
    }),
  );

const purgePackage = mirrorCommand(
  "purge-package",
  "Delete every spec of a package (and, with --dependents delete, what depends on it).",
)
  .argument("<name>", "package name, e.g. py-numpy")
  .action((name: string, flags: MirrorFlags) =>
    run(flags, {
      maxAgeDays: 0,
      orphans: "none",
      select: (e) => (e.name === name ? "purged on request" : undefined),
    }),
  );

const purgeHashes = mirrorCommand(
  "purge-hashes",
  "Delete the specs of the given DAG hashes (and, with --dependents delete, what depends on them).",
)
  .argument("<hash...>", "full 32-character DAG hashes")
  .action((hashes: string[], flags: MirrorFlags) => {
    const wanted = new Set(hashes);
    return run(flags, {
      maxAgeDays: 0,
      orphans: "none",
      select: (e) => (wanted.has(e.hash) ? "purged on request" : undefined),
    });
  });

const purgeOrphans = mirrorCommand(
  "purge-orphans",
  "Delete only orphans: objects of specs not in the index, specs without tarball, unreferenced blobs.",
).action((flags: MirrorFlags) =>
  run(flags, { maxAgeDays: 0, orphans: "all", select: () => undefined }),
);

const program = new Command("spackitor")
  .description(
    "A janitor for Spack binary caches in S3 (legacy build_cache/ and Spack 1.0 v3/ layouts). Reads the mirror " +
      "once, decides every object with a reason, then deletes in batches of 1,000 and rewrites the index.",
  )
  .addCommand(prune, { isDefault: true })
  .addCommand(purgePackage)
  .addCommand(purgeHashes)
  .addCommand(purgeOrphans);

await runMain(program);
