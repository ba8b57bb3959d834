#!/usr/bin/env node
import { appendFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { consoleOutput, runMain, type Output } from "../../common/src/cli.js";
import { runPrune } from "./commands/prune.js";
import { S3Store } from "./store/s3-store.js";

const wholeNumber = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
  return n;
};

/** Prints as usual and also appends each line, with a time, to the log file. */
function withLogFile(output: Output, file: string | undefined): Output {
  if (!file) return output;
  const log = (line: string) => appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
  return { out: (l) => (log(l), output.out(l)), err: (l) => (log(l), output.err(l)) };
}

interface Flags {
  bucket: string;
  prefix: string;
  endpoint?: string;
  maxAge: number;
  lock: string[];
  spackDirectory?: string;
  dependents: "delete" | "keep";
  dryRun?: boolean;
  index: boolean;
  json?: string;
  logFile?: string;
  concurrency: number;
}

const program = new Command("spackitor")
  .description(
    "Prunes a Spack binary cache in S3: deletes specs older than --max-age (and what depends on them),\n" +
      "specs whose package is gone, and orphaned objects, keeping every spec the given spack.lock files use.\n" +
      "Reads the mirror once, decides every object with a reason, then deletes in batches of 1000.",
  )
  .requiredOption("-b, --bucket <name>", "the bucket holding the mirror")
  .option("-p, --prefix <path>", "the mirror root inside the bucket", "")
  .addOption(new Option("--endpoint <url>", "S3 endpoint for S3-compatible stores").env("S3_ENDPOINT_URL"))
  .requiredOption("-m, --max-age <days>", "delete unused specs older than this", wholeNumber(0))
  .option("-e, --lock <path...>", "spack.lock files, or folders searched for them: their specs are always kept", [])
  .option("--lock-dir <path...>", "same as --lock")
  .option("-s, --spack-directory <dir>", "a Spack checkout: specs whose package no longer exists are deleted")
  .addOption(new Option("--dependents <strategy>", "what happens to specs depending on a deleted one").choices(["delete", "keep"]).default("delete"))
  .option("-n, --dry-run", "print the plan, delete nothing")
  .option("--no-index", "leave the index for `spack buildcache update-index` instead of rewriting it")
  .option("--json <file>", "write the full plan (every object, action and reason) as JSON")
  .option("--log-file <file>", "also append every line to this file")
  .option("--concurrency <n>", "delete batches at once", wholeNumber(1), 4)
  .option("--debug", "print causes and stack traces of errors")
  .addHelpText(
    "after",
    "\nCredentials come from the AWS SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles).\n" +
      "Objects modified after the run started are never touched. Exit codes: 0 done, 1 failure, 2 bad input.\n\n" +
      "Examples:\n" +
      "  spackitor -b spack-cache -m 30 -e jobs_scratch_dir.amd64 --dry-run\n" +
      "  spackitor -b spack-cache -p mirror -m 90 --dependents keep --json plan.json\n",
  )
  .action(async (flags: Flags & { lockDir?: string[] }) => {
    const output = withLogFile(consoleOutput, flags.logFile);
    const store = new S3Store({ bucket: flags.bucket, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) });
    await runPrune(
      {
        prefix: flags.prefix.replace(/^\/+|\/+$/g, ""),
        maxAgeDays: flags.maxAge,
        locks: [...flags.lock, ...(flags.lockDir ?? [])],
        ...(flags.spackDirectory ? { spackDirectory: flags.spackDirectory } : {}),
        dependents: flags.dependents,
        dryRun: Boolean(flags.dryRun),
        rewriteIndex: flags.index,
        ...(flags.json ? { jsonFile: flags.json } : {}),
        concurrency: flags.concurrency,
        now: new Date(),
      },
      store,
      output,
    );
  });

await runMain(program);
