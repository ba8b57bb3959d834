import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { UserError } from "../../common/src/errors.js";
import { withLogFile } from "./log-file.js";

const noSpace = () =>
  Object.assign(new Error("ENOSPC: no space left on device, write"), {
    code: "ENOSPC",
  });

/** A log whose appends succeed `working` times, then fail as on a full disk. */
async function logFailingAfter(working: number) {
  const file = join(await tempDir(), "logs/prune.log");
  const appended: string[] = [];
  const printed: string[] = [];
  const sink = {
    out: (l: string) => printed.push(`out ${l}`),
    err: (l: string) => printed.push(`err ${l}`),
  };
  const log = withLogFile(sink, file, (_, text) => {
    if (appended.length >= working) throw noSpace();
    appended.push(text.replace(/^\S+ /, ""));
  });
  return { file, appended, printed, log };
}

describe("spackitor's --log-file", () => {
  it("stops the run when its first line cannot be written: no request is made yet", async () => {
    const { file, log, printed } = await logFailingAfter(0);
    expect(() => {
      log.output.out("reading s3://cache");
    }).toThrow(new UserError(`cannot write ${file}: no space left on the device`));
    expect(printed).toEqual([]);
  });

  it("warns once and goes on without the log when the disk fills later", async () => {
    const { file, log, appended, printed } = await logFailingAfter(2);
    for (const line of ["reading", "listed", "deleting batch 1", "deleting batch 2"])
      log.output.out(line);
    log.failed(new UserError("3 objects could not be deleted"));
    expect(appended).toEqual(["reading\n", "listed\n"]);
    expect(printed).toEqual([
      "out reading",
      "out listed",
      `err warning: cannot write ${file}: no space left on the device; the run goes on without its log`,
      "out deleting batch 1",
      "out deleting batch 2",
    ]);
  });

  it("adds the failure that ends a run, once the log has begun, and not before", async () => {
    const begun = await logFailingAfter(10);
    begun.log.output.err("retrying s3://cache: ECONNREFUSED");
    begun.log.failed(new UserError("cannot read build_cache/index.json"));
    expect(begun.appended).toEqual([
      "retrying s3://cache: ECONNREFUSED\n",
      "error: cannot read build_cache/index.json\n",
    ]);
    const unbegun = await logFailingAfter(10);
    unbegun.log.failed(new UserError("--log-file: that is a lock file, which this command reads"));
    expect(unbegun.appended).toEqual([]);
  });
});
