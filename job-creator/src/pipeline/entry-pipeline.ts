import { steppedScript } from "../../../common/src/ci/steps.js";
import type { CiEntry, CiJob, CiPipeline, CiRule } from "../../../common/src/ci/types.js";
import {
  BASE_PIPELINE_BRIDGE,
  CLEANUP_JOB,
  cleanDeployedJobName,
  ENTRY_PIPELINE_ID_VARIABLE,
  GATHER_ARTIFACTS_JOB,
  GATHER_DOTENV_FILE,
  GENERATED_PIPELINE_FILE,
  GENERATE_PIPELINE_JOB,
  GENERATION_PIPELINE_ID_VARIABLE,
  SPACKTAINER_PIPELINE_FILE,
  SPACK_PIPELINE_FILE,
  buildSpacktainersBridgeName,
  populateBuildCacheBridgeName,
  spackArtifactsDir,
  spacktainerArtifactsDir,
} from "../../../common/src/job-names.js";
import { shellQuote } from "../../../common/src/shell.js";
import type { Config } from "../config/schema.js";
import { resolveArchitectures } from "../config/architecture.js";
import { DEFINITIONS_DIR } from "../definitions/read.js";
import { JC, toolsJobBase } from "./context.js";

export const ENTRY_HEADER =
  "# The entry pipeline of spacktainers. Generated from spacktainers.config.yaml: do not edit,\n" +
  "# regenerate with `npm run jc -- entry-pipeline -o .gitlab-ci.yml`.\n";

export const ENTRY_STAGES = ["generate", "base", "gather", "populate", "build", "cleanup"] as const;

const GET_ARTIFACTS = "node dist/get-artifacts/src/main.js";

/** Pipelines run for the default branch, merge requests, the web button and schedules. */
const WORKFLOW_RULES: CiRule[] = [
  { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
  { if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" },
  { if: '$CI_PIPELINE_SOURCE == "web"' },
  { if: '$CI_PIPELINE_SOURCE == "schedule"' },
];

/** Merge request pipelines share the branch's files: only branch pipelines clean up. */
const CLEANUP_RULES = [
  { if: '$CI_PIPELINE_SOURCE == "merge_request_event"', when: "never" as const },
  { when: "on_success" as const },
];

/**
 * The repository's `.gitlab-ci.yml`: generate the child pipeline, run it, gather the
 * files it produced, then per arch populate the build cache and build the containers,
 * and clean up the files of deleted branches. Written by `jc entry-pipeline` from the
 * configuration, so that the arch list is never edited by hand.
 */
export function buildEntryPipeline(config: Config, generatedDir: string): CiPipeline {
  const archs = Object.keys(config.architectures).sort();
  const tools = (stage: string): Omit<CiJob, "script"> => ({ stage, ...toolsJobBase(config) });
  const jobs: Record<string, CiEntry> = {
    [GENERATE_PIPELINE_JOB]: {
      ...tools("generate"),
      ...steppedScript([
        {
          name: "generate",
          title: "Plan base images, Spack environments and child pipelines (jc create-jobs)",
          lines: [`${JC} create-jobs --output-dir ${shellQuote(generatedDir)}`],
        },
      ]),
      artifacts: { paths: [`${generatedDir}/`], expire_in: "1 week" },
    },
    [BASE_PIPELINE_BRIDGE]: {
      stage: "base",
      needs: [{ job: GENERATE_PIPELINE_JOB, artifacts: true }],
      variables: { [ENTRY_PIPELINE_ID_VARIABLE]: "$CI_PIPELINE_ID" },
      trigger: {
        include: [
          { artifact: `${generatedDir}/${GENERATED_PIPELINE_FILE}`, job: GENERATE_PIPELINE_JOB },
        ],
        strategy: "depend",
      },
    },
    [GATHER_ARTIFACTS_JOB]: {
      ...tools("gather"),
      needs: [
        { job: GENERATE_PIPELINE_JOB, artifacts: true },
        { job: BASE_PIPELINE_BRIDGE, artifacts: false },
      ],
      ...steppedScript([
        {
          name: "gather",
          title: "Download the files the generation child pipeline wrote (get-artifacts)",
          lines: [
            [
              GET_ARTIFACTS,
              `--generated-pipeline ${shellQuote(`${generatedDir}/${GENERATED_PIPELINE_FILE}`)}`,
              ...archs.map((arch) => `--arch ${arch}`),
              `--dotenv ${GATHER_DOTENV_FILE}`,
            ].join(" "),
          ],
        },
      ]),
      artifacts: {
        paths: archs.flatMap((arch) => [
          `${spackArtifactsDir(arch)}/`,
          `${spacktainerArtifactsDir(arch)}/`,
        ]),
        reports: { dotenv: GATHER_DOTENV_FILE },
        expire_in: "1 week",
      },
    },
  };
  for (const arch of archs) {
    // Only archs with a definitions folder get bridges; get-artifacts writes no-op files for
    // the rest of the configured archs, so every bridge that exists finds its file.
    const rules: CiRule[] = [{ exists: [`${DEFINITIONS_DIR}/${arch}/**/*`] }];
    jobs[populateBuildCacheBridgeName(arch)] = {
      stage: "populate",
      needs: [{ job: GATHER_ARTIFACTS_JOB, artifacts: true }],
      rules,
      variables: {
        [ENTRY_PIPELINE_ID_VARIABLE]: "$CI_PIPELINE_ID",
        [GENERATION_PIPELINE_ID_VARIABLE]: `$${GENERATION_PIPELINE_ID_VARIABLE}`,
      },
      trigger: {
        include: [
          {
            artifact: `${spackArtifactsDir(arch)}/${SPACK_PIPELINE_FILE}`,
            job: GATHER_ARTIFACTS_JOB,
          },
        ],
        strategy: "depend",
      },
    };
    jobs[buildSpacktainersBridgeName(arch)] = {
      stage: "build",
      needs: [
        { job: GATHER_ARTIFACTS_JOB, artifacts: true },
        { job: populateBuildCacheBridgeName(arch), artifacts: false },
      ],
      rules,
      variables: { [ENTRY_PIPELINE_ID_VARIABLE]: "$CI_PIPELINE_ID" },
      trigger: {
        include: [
          {
            artifact: `${spacktainerArtifactsDir(arch)}/${SPACKTAINER_PIPELINE_FILE}`,
            job: GATHER_ARTIFACTS_JOB,
          },
        ],
        strategy: "depend",
      },
    };
  }
  jobs[CLEANUP_JOB] = {
    ...tools("cleanup"),
    needs: [],
    rules: CLEANUP_RULES,
    // The cleaner deletes; one at a time per project.
    resource_group: "containers-cleanup",
    ...steppedScript([
      {
        name: "clean",
        title: "Delete the files of deleted branches (jc clean-branches)",
        lines: [`${JC} clean-branches --remote origin`],
      },
    ]),
  };
  // Deployed copies live on each deploy runner's filesystem: cleaned there.
  const resolved = resolveArchitectures(config);
  for (const arch of archs) {
    const deploy = config.architectures[arch]!.deploy;
    if (!deploy) continue;
    const proxy = resolved.get(arch)!.proxyVariables;
    jobs[cleanDeployedJobName(arch)] = {
      ...tools("cleanup"),
      tags: [...deploy.runnerTags],
      ...(Object.keys(proxy).length > 0 ? { variables: { ...proxy } } : {}),
      needs: [],
      rules: CLEANUP_RULES,
      resource_group: `deployed-cleanup-${arch}`,
      ...steppedScript([
        {
          name: "clean",
          title: `Delete the deployed copies of deleted branches from ${deploy.path}`,
          lines: [`${JC} clean-deployed --arch ${arch} --remote origin`],
        },
      ]),
    };
  }
  return {
    stages: [...ENTRY_STAGES],
    variables: { GIT_DEPTH: "10" },
    workflow: { rules: WORKFLOW_RULES },
    jobs,
  };
}
