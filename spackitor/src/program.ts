import { Command, InvalidArgumentError, Option } from "commander";
import {
  consoleOutput,
  httpPolicyFrom,
  httpPolicyOptions,
  toolVersion,
} from "../../common/src/cli.js";
import { distance } from "fastest-levenshtein";
import { InputError } from "../../common/src/errors.js";
import type { PruneOptions } from "./commands/prune.js";
import { withLogFile } from "./log-file.js";
import type { IndexEntry } from "../../common/src/spack-cache/index.js";

/** Digits only: `Number()` would take "", "0x10" and "1e3" as numbers. */
const wholeNumber =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string) => {
    const n = /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""}, got "${value}"`,
      );
    return n;
  };

/** A DAG hash as Spack prints it: 32 characters of base32. */
const DAG_HASH = /^[a-z2-7]{32}$/;

interface MirrorFlags {
  bucket: string;
  region?: string;
  prefix: string;
  endpoint?: string;
  lock: string[];
  lockDir?: string[];
  dependents: "delete" | "keep";
  dryRun?: boolean;
  minAge: number;
  batchSize: number;
  json?: string;
  logFile?: string;
  concurrency: number;
  timeout?: number;
  retryBudget?: number;
}

/** The options every command shares: where the mirror is, what to keep, how to act. */
function mirrorCommand(name: string, description: string): Command {
  const command = new Command(name)
    .description(description)
    .requiredOption("-b, --bucket <name>", "the bucket holding the mirror")
    .option("-p, --prefix <path>", "the mirror root inside the bucket", "")
    .addOption(
      new Option("--endpoint <url>", "S3 endpoint for S3-compatible stores").env("S3_ENDPOINT_URL"),
    )
    .addOption(
      new Option("--region <name>", "the bucket's region (default us-east-1)").env("AWS_REGION"),
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
      "--min-age <days>",
      "grace period: nothing younger is deleted, whatever else applies (a push may be under way)",
      wholeNumber(1),
      1,
    )
    .option("--json <file>", "write the full plan (every object, action and reason) as JSON")
    .option("--log-file <file>", "also append every line to this file")
    .option("--concurrency <n>", "delete batches at once", wholeNumber(1, 64), 4)
    .option("--batch-size <n>", "keys per delete request", wholeNumber(1, 1000), 1000)
    .option("--debug", "print causes and stack traces of errors");
  for (const option of httpPolicyOptions()) command.addOption(option);
  return command;
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
  // Loaded here, not at start-up: --help and argument errors need neither the AWS SDK nor the planner.
  const { S3Store } = await import("../../common/src/s3/s3-store.js");
  const { runPrune } = await import("./commands/prune.js");
  const { output, failed } = withLogFile(consoleOutput, flags.logFile);
  const store = new S3Store({
    bucket: flags.bucket,
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    policy: httpPolicyFrom(flags, output.err),
  });
  const progress = terminalProgress();
  await runPrune(
    {
      prefix: flags.prefix.replace(/^\/+|\/+$/g, ""),
      locks: [...flags.lock, ...(flags.lockDir ?? [])],
      dependents: flags.dependents,
      dryRun: Boolean(flags.dryRun),
      minAgeDays: flags.minAge,
      batchSize: flags.batchSize,
      ...(flags.json ? { jsonFile: flags.json } : {}),
      ...(flags.logFile ? { logFile: flags.logFile } : {}),
      concurrency: flags.concurrency,
      now: new Date(),
      ...(progress ? { progress } : {}),
      ...extra,
    },
    store,
    output,
  ).catch((error: unknown) => {
    failed(error);
    throw error;
  });
}

const prune = () =>
  mirrorCommand(
    "prune",
    "Delete specs older than --max-age (and, by --dependents, what depends on them), specs whose package " +
      "is gone, and orphaned objects, keeping every spec the given spack.lock files use. The default command.",
  )
    .requiredOption("-m, --max-age <days>", "delete unused specs older than this", wholeNumber(1))
    .option(
      "-s, --spack-directory <dir>",
      "a Spack checkout: specs whose package no longer exists are deleted",
    )
    .addHelpText(
      "after",
      "\nCredentials come from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles).\n" +
        "Nothing modified after the run started or younger than --min-age is deleted. The index drops\n" +
        "the doomed specs before any object goes, and a run that dies is finished by the next one.\n" +
        "Exit codes: 0 done, 1 failure, 2 bad input.\n\n" +
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

const purgePackage = () =>
  mirrorCommand(
    "purge-package",
    "Delete every spec of a package (and, with --dependents delete, what depends on it).",
  )
    .argument("<name>", "package name, e.g. py-numpy")
    .action((name: string, flags: MirrorFlags) =>
      run(flags, {
        maxAgeDays: 0,
        orphans: "none",
        select: (e) => (e.name === name ? "purged on request" : undefined),
        checkSelection: (index) => unknownPackage(name, index),
      }),
    );

const purgeHashes = () =>
  mirrorCommand(
    "purge-hashes",
    "Delete the specs of the given DAG hashes (and, with --dependents delete, what depends on them).",
  )
    .argument("<hash...>", "full 32-character DAG hashes")
    .action((hashes: string[], flags: MirrorFlags) => {
      const malformed = hashes.filter((h) => !DAG_HASH.test(h));
      if (malformed.length > 0)
        throw new InputError(
          `not a DAG hash (32 characters a-z and 2-7, as \`spack find -l --long\` prints): ${malformed.map((h) => JSON.stringify(h)).join(", ")}`,
        );
      const wanted = new Set(hashes);
      return run(flags, {
        maxAgeDays: 0,
        orphans: "none",
        select: (e) => (wanted.has(e.hash) ? "purged on request" : undefined),
        checkSelection: (index) => {
          const absent = hashes.filter((h) => !index.has(h));
          return absent.length > 0 ? `not in the cache's index: ${absent.join(", ")}` : undefined;
        },
      });
    });

const purgeOrphans = () =>
  mirrorCommand(
    "purge-orphans",
    "Delete only orphans: objects of specs not in the index, specs without tarball, unreferenced blobs.",
  ).action((flags: MirrorFlags) =>
    run(flags, { maxAgeDays: 0, orphans: "all", select: () => undefined }),
  );

/** A package name the index does not hold, with the closest names it does. */
function unknownPackage(name: string, index: ReadonlyMap<string, IndexEntry>): string | undefined {
  const names = new Set([...index.values()].map((e) => e.name));
  if (names.has(name)) return undefined;
  const close = [...names]
    .map((n) => ({ n, d: distance(n, name) }))
    .filter(({ n, d }) => d <= Math.max(2, Math.floor(name.length / 4)) || n.includes(name))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, 5)
    .map(({ n }) => n);
  return `no package "${name}" in the cache${close.length ? `; did you mean ${close.join(", ")}?` : ""}`;
}

/** The spackitor program; a new one per call, since commander keeps parsed values on it. */
export function buildProgram(): Command {
  return new Command("spackitor")
    .version(toolVersion(), "-V, --version", "print the version")
    .description(
      "A janitor for Spack binary caches in S3 (legacy build_cache/ and Spack 1.0 v3/ layouts). Reads the mirror " +
        "once, decides every object with a reason, then deletes in batches of 1,000 and rewrites the index.",
    )
    .addCommand(prune(), { isDefault: true })
    .addCommand(purgePackage())
    .addCommand(purgeHashes())
    .addCommand(purgeOrphans());
}
