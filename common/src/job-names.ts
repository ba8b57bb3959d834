/**
 * Names of the jobs that one tool generates and another looks up (get-artifacts finds
 * the producers of child-pipeline files by these names), written in one place.
 */
export const GENERATE_PIPELINE_JOB = "generate base pipeline";
export const BASE_PIPELINE_BRIDGE = "base containers and pipeline generation";

export const generateSpackJobName = (container: string, arch: string) =>
  `generate build cache population job for ${container} for ${arch}`;
/** The `index`th (from 1) of `count` jobs passing on generate jobs' outputs (see gather-jobs.ts). */
export const gatherSpackOutputsJobName = (arch: string, index: number, count: number) =>
  `gather spack outputs for ${arch} (${index}/${count})`;
export const processSpackPipelineJobName = (arch: string) => `process spack pipeline for ${arch}`;
export const generateSpacktainerJobName = (arch: string) => `generate spacktainer jobs for ${arch}`;
export const cleanBuildCacheJobName = (arch: string) => `clean build cache for ${arch}`;
export const buildBaseImageJobName = (image: string, arch: string) =>
  `build ${image} image for ${arch}`;
export const multiarchJobName = (image: string) => `create multiarch for ${image}`;
export const runnerWarningJobName = (arch: string) => `runners warning for ${arch}`;

/** Folders the per-arch producer jobs write, and get-artifacts extracts into. */
export const spackArtifactsDir = (arch: string) => `spack.artifacts.${arch}`;
export const spacktainerArtifactsDir = (arch: string) => `spacktainer.artifacts.${arch}`;
export const jobsScratchDir = (arch: string) => `jobs_scratch_dir.${arch}`;

/** Entry-pipeline job that downloads the child pipelines' artifacts (get-artifacts). */
export const GATHER_ARTIFACTS_JOB = "gather child artifacts";
/** Job of the processed spack trigger pipeline that holds the child files its bridges include. */
export const COLLECT_ARTIFACTS_JOB = "collect artifacts";
/** The entry pipeline's id, passed down by bridges (needs:pipeline cannot use $CI_PIPELINE_ID of a parent). */
export const ENTRY_PIPELINE_ID_VARIABLE = "PARENT_PIPELINE_ID";
/** The id of the child pipeline whose `spack ci generate` jobs hold the concrete environments. */
export const GENERATION_PIPELINE_ID_VARIABLE = "GENERATION_PIPELINE_ID";

/** Where `jc create-jobs` writes a container's merged Spack environment, below its output folder. */
export const environmentPath = (arch: string, name: string) => `spack_envs/${arch}/${name}`;
/** The child pipeline `jc create-jobs` writes; the entry pipeline triggers it. */
export const GENERATED_PIPELINE_FILE = "generated_pipeline.yaml";
/** The container pipeline `jc generate-spacktainer-workflow` writes into spacktainerArtifactsDir. */
export const SPACKTAINER_PIPELINE_FILE = "spacktainer_pipeline.yaml";
/** Its child files, numbered from 1, when one file would pass GitLab's limits. */
export const spacktainerPartFile = (part: number) => `spacktainer_pipeline-${part}.yaml`;
/**
 * Whether `name` is a file the workflow writes beside the build contexts (its pipeline files
 * and their pictures): no container, whose context is a folder there, may take that name.
 */
export const isSpacktainerPipelineFile = (name: string) =>
  /^spacktainer_pipeline(-\d+)?\.(yaml|md)$/.test(name);
/** The trigger pipeline `jc process-spack-pipeline` writes into spackArtifactsDir. */
export const SPACK_PIPELINE_FILE = "spack_pipeline.yaml";

/** Entry-pipeline bridges per arch: the processed Spack pipeline, then the container pipeline. */
export const populateBuildCacheBridgeName = (arch: string) => `populate buildcache for ${arch}`;
export const buildSpacktainersBridgeName = (arch: string) => `build spacktainers for ${arch}`;
export const CLEANUP_JOB = "cleanup";
export const cleanDeployedJobName = (arch: string) => `clean deployed copies for ${arch}`;
/** The dotenv report of the gather job (get-artifacts --dotenv). */
export const GATHER_DOTENV_FILE = "build.env";
