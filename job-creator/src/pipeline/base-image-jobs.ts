import { steppedScript, type JobStep } from "../../../common/src/ci/steps.js";
import type { CiJob } from "../../../common/src/ci/types.js";
import { shellExpand, shellQuote } from "../../../common/src/shell.js";
import { archImageRef, type BaseImagePlan } from "../base-images/plan.js";
import { latestArchTag } from "../base-images/registry-decider.js";
import type { Architecture } from "../config/architecture.js";
import { architectureOf, archJobBase, type GenerationContext } from "./context.js";

/** buildah in an unprivileged container: vfs storage and chroot isolation. */
export const BUILDAH_VARIABLES = {
  STORAGE_DRIVER: "vfs",
  BUILDAH_FORMAT: "docker",
  BUILDAH_ISOLATION: "chroot",
};

/** `buildah login` to the project's registry with the configured credential variables. */
export function registryLogin(ctx: GenerationContext): string {
  const { host, credentials } = ctx.config.registry;
  return buildahLogin(host, credentials);
}

/** The password goes through stdin, never onto a command line that logs could show. */
export function buildahLogin(
  host: string,
  credentials: { readonly userVariable: string; readonly passwordVariable: string },
): string {
  return `printf '%s' "$${credentials.passwordVariable}" | buildah login --username "$${credentials.userVariable}" --password-stdin ${shellExpand(host)}`;
}

/** The step that logs in to the project's registry (and, given, other registries). */
export function loginStep(ctx: GenerationContext, ...others: readonly string[]): JobStep {
  return {
    name: "login",
    title: "Log in to the registry",
    // A publish target on the project's own registry needs no second login.
    lines: [...new Set([registryLogin(ctx), ...others])],
    collapsed: true,
  };
}

/** Where the job registers qemu before an emulated build (a script of the checkout). */
export const REGISTER_QEMU_SCRIPT = "spacktainer/register-qemu.sh";

/**
 * Before a build of an arch this run emulates: qemu-user-static registered with the kernel,
 * so that the image's RUN steps run (nothing for a native build).
 */
export function emulationSteps(arch: Architecture): JobStep[] {
  if (!arch.emulated) return [];
  return [
    {
      name: "emulate",
      title: `Register qemu-user-static: no ${arch.name} runner is online, this build is emulated`,
      lines: [`sh ${REGISTER_QEMU_SCRIPT} ${shellQuote(arch.name)}`],
    },
  ];
}

/** The job that builds and pushes one base image for one arch. */
export function buildBaseImageJob(plan: BaseImagePlan, ctx: GenerationContext): CiJob {
  const arch = architectureOf(ctx, plan.arch);
  const base = archJobBase(arch);
  const ref = shellExpand(archImageRef(plan));
  const args = Object.entries(plan.inputs.buildArgs).map(
    ([k, v]) => `--build-arg ${shellQuote(`${k}=${v}`)}`,
  );
  const labels = Object.entries(plan.inputs.labels).map(
    ([k, v]) => `--label ${shellQuote(`${k}=${v}`)}`,
  );
  return {
    stage: "base images",
    image: { name: ctx.config.images.buildah, entrypoint: [""] },
    tags: base.tags,
    variables: { ...base.variables, ...BUILDAH_VARIABLES },
    ...steppedScript([
      loginStep(ctx),
      ...emulationSteps(arch),
      {
        name: "build",
        title: `Build ${plan.image} for ${plan.arch}`,
        lines: [
          [
            "buildah build",
            `--platform linux/${plan.arch}`,
            ...args,
            ...labels,
            '--label "org.opencontainers.image.revision=$CI_COMMIT_SHA"',
            '--label "org.opencontainers.image.source=$CI_PROJECT_URL"',
            // The pipeline's own time, set when the job runs: the generated YAML stays byte-identical.
            `--label ${shellExpand("org.opencontainers.image.created=$CI_PIPELINE_CREATED_AT")}`,
            `--tag ${ref}`,
            shellQuote(plan.image),
          ].join(" "),
        ],
      },
      {
        name: "push",
        title: "Push the image",
        lines: [
          `buildah push ${ref}`,
          // The default branch moves latest-<arch>, which later plans compare against to say what changed.
          ...(ctx.onDefaultBranch
            ? [
                `buildah push ${ref} ${shellExpand(`docker://${plan.repository}:${latestArchTag(plan.arch)}`)}`,
              ]
            : []),
        ],
      },
    ]),
    timeout: "4h",
  };
}

/** The job that joins the arch images of one base image under its content tag. */
export function buildMultiarchJob(
  plans: readonly BaseImagePlan[],
  rebuiltJobs: readonly string[],
  ctx: GenerationContext,
): CiJob {
  const first = plans[0]!;
  const list = shellExpand(`${first.repository}:${first.tag}`);
  const adds = plans.map(
    (p) => `buildah manifest add ${list} ${shellExpand(`docker://${archImageRef(p)}`)}`,
  );
  const pushLatest = ctx.onDefaultBranch
    ? [`buildah manifest push --all ${list} ${shellExpand(`docker://${first.repository}:latest`)}`]
    : [];
  return {
    stage: "base manifests",
    image: { name: ctx.config.images.buildah, entrypoint: [""] },
    tags: [...architectureOf(ctx, first.arch).runnerTags],
    variables: { ...architectureOf(ctx, first.arch).proxyVariables, ...BUILDAH_VARIABLES },
    needs: rebuiltJobs.map((job) => ({ job, artifacts: false })),
    ...steppedScript([
      loginStep(ctx),
      {
        name: "manifest",
        title: `Join ${plans.map((p) => p.arch).join(", ")} under one tag`,
        lines: [`buildah manifest create ${list}`, ...adds],
      },
      {
        name: "push",
        title: "Push the manifest",
        lines: [
          `buildah manifest push --all ${list} ${shellExpand(`docker://${first.repository}:${first.tag}`)}`,
          ...pushLatest,
        ],
      },
    ]),
  };
}
