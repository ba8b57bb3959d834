import { basename, join } from "node:path";
import { mkdir } from "node:fs/promises";
import type { Output } from "../../../common/src/cli.js";
import { InputError, UserError } from "../../../common/src/errors.js";
import type { BucketStore, ObjectDownloader } from "../../../common/src/s3/types.js";
import {
  chosenArchitectures,
  resolveArchitectures,
  type Architecture,
} from "../config/architecture.js";
import { readConfig } from "../config/read.js";
import { sifFolder } from "../containers/targets.js";
import { readDefinitions } from "../definitions/read.js";
import { followPipeline, type FollowEnd, type FollowOptions } from "../follow/follow.js";
import type { FollowReport } from "../follow/render.js";
import type { LivePipelinesApi, PipelineRef } from "../gitlab/pipelines-api.js";
import { formatSize } from "../published/listing.js";
import { sifFilesOfArch } from "../published/inventory.js";

/** Following stopped at the user's request (Ctrl-C): the shell's code for SIGINT. */
export class Interrupted extends UserError {
  override readonly exitCode = 130;
}

export interface FollowSettings extends FollowOptions {
  /** On Ctrl-C, also cancel the pipeline (default: it goes on). */
  readonly cancelOnInterrupt: boolean;
}

/** `jc watch`: follows an existing pipeline; its status becomes the exit code. */
export async function watchPipeline(
  pipeline: PipelineRef,
  api: LivePipelinesApi,
  report: FollowReport,
  settings: FollowSettings,
): Promise<void> {
  await conclude(await followPipeline(pipeline, api, report, settings), api, settings);
}

export interface BuildOptions {
  readonly repoRoot: string;
  readonly configFile: string;
  readonly name: string;
  readonly arch: string;
  /** The branch (or tag) to run the pipeline on. */
  readonly ref: string;
  /** Rebuild the container even when it is current. */
  readonly force: boolean;
  /** Where to put the resulting SIF file once the pipeline succeeded. */
  readonly downloadDir?: string;
}

export interface BuildServices {
  readonly api: LivePipelinesApi;
  readonly sifBucket: (arch: Architecture) => BucketStore & ObjectDownloader;
}

/**
 * `jc build`: starts a pipeline that builds one container on one architecture (the selection
 * variables create-jobs reads), follows it to the end, and fetches the SIF file it made.
 */
export async function buildContainer(
  opts: BuildOptions,
  services: BuildServices,
  report: FollowReport,
  settings: FollowSettings,
  output: Output,
): Promise<void> {
  const config = readConfig(join(opts.repoRoot, opts.configFile), opts.configFile);
  const [arch] = chosenArchitectures(config, [opts.arch]) as [Architecture];
  const read = await readDefinitions(opts.repoRoot, Object.keys(config.architectures));
  const defined = read.architectures.find((a) => a.arch === opts.arch)?.containers ?? [];
  if (!defined.some((c) => c.name === opts.name))
    throw new InputError(
      `no container ${JSON.stringify(opts.name)} is defined for ${opts.arch}; defined there: ${defined.map((c) => c.name).join(", ") || "none"}`,
    );
  const variables = {
    SPACKTAINERS_ONLY: opts.name,
    SPACKTAINERS_ARCH: opts.arch,
    ...(opts.force ? { SPACKTAINERS_FORCE: opts.name } : {}),
  };
  const started = await services.api.create(opts.ref, variables);
  output.out(
    `started pipeline ${started.id} on ${opts.ref} for ${opts.name} (${opts.arch}): ${started.webUrl}`,
  );
  await conclude(
    await followPipeline(started, services.api, report, settings),
    services.api,
    settings,
  );
  if (opts.downloadDir === undefined) return;
  const bucket = services.sifBucket(arch);
  const dir = sifFolder(arch);
  const objects = [];
  for await (const object of bucket.list(`${dir}${opts.name}__`)) objects.push(object);
  // The arch's newest file of the container: the one this pipeline uploaded, or, when the
  // container was current, the one it found.
  const newest = sifFilesOfArch(objects, dir, opts.name, opts.arch, [
    ...resolveArchitectures(config).values(),
  ])
    .flatMap((group) => (group.object ? [group.object] : []))
    .sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime())[0];
  if (!newest)
    throw new UserError(
      `pipeline ${started.id} succeeded, but ${bucket.description} holds no SIF file of ${opts.name} for ${opts.arch} (is sif in the stages it ran?)`,
    );
  await mkdir(opts.downloadDir, { recursive: true }).catch((error: unknown) => {
    throw new UserError(
      `cannot make the folder ${opts.downloadDir} for the SIF file: ${(error as Error).message}`,
    );
  });
  const target = join(opts.downloadDir, basename(newest.key));
  if (!(await bucket.download(newest.key, target)))
    throw new UserError(`${newest.key} vanished from ${bucket.description} before it was fetched`);
  output.out(
    `downloaded ${bucket.description}/${newest.key} (${formatSize(newest.size)}) to ${target}`,
  );
}

/** The exit code of a follow: 0 when the pipeline succeeded; Ctrl-C cancels when asked to. */
async function conclude(
  end: FollowEnd,
  api: LivePipelinesApi,
  settings: FollowSettings,
): Promise<void> {
  const { pipeline } = end;
  if (end.stopped) {
    if (settings.cancelOnInterrupt) {
      await api.cancel(pipeline);
      throw new Interrupted(`cancelled pipeline ${pipeline.id}: ${pipeline.webUrl}`);
    }
    throw new Interrupted(
      `stopped following pipeline ${pipeline.id}; it goes on: ${pipeline.webUrl}`,
    );
  }
  if (pipeline.status !== "success")
    throw new UserError(`pipeline ${pipeline.id} ended ${pipeline.status}: ${pipeline.webUrl}`);
}
