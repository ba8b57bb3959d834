import { Type, type Static } from "@sinclair/typebox";
import { Architecture, S3Credentials } from "./architecture-schema.js";
import {
  HttpUrl,
  ImageReference,
  Region,
  RepositoryPath,
  ShellSafe,
  VariableName,
} from "./patterns.js";

export type { ArchitectureConfig, DeployConfig } from "./architecture-schema.js";

/**
 * The configuration file, `spacktainers.config.yaml`: everything the original hard-coded.
 * This TypeBox schema is the single source of the TypeScript type, the validator and the
 * JSON Schema that `jc schema` prints for editors.
 */

const LoginCredentials = (user: string, password: string) =>
  Type.Object(
    {
      userVariable: Type.String({ ...VariableName, default: user }),
      passwordVariable: Type.String({ ...VariableName, default: password }),
    },
    { additionalProperties: false, default: {} },
  );

const PublishTarget = Type.Object(
  {
    name: Type.String({ pattern: "^[a-z0-9]+(-[a-z0-9]+)*$" }),
    registry: Type.String({
      pattern: "^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$",
      description: "host[:port], e.g. docker.io or ghcr.io",
    }),
    namespace: Type.String({
      ...RepositoryPath,
      description: "repository namespace, e.g. an organisation",
    }),
    credentials: LoginCredentials("PUBLISH_USER", "PUBLISH_PASSWORD"),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    registry: Type.Object(
      {
        host: Type.String({ ...ShellSafe, default: "$CI_REGISTRY" }),
        imageRoot: Type.String({ ...ShellSafe, default: "$CI_REGISTRY_IMAGE" }),
        credentials: LoginCredentials("CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD"),
      },
      { additionalProperties: false, default: {} },
    ),
    images: Type.Object(
      {
        builder: Type.String({ ...RepositoryPath, default: "builder" }),
        runtime: Type.String({ ...RepositoryPath, default: "runtime" }),
        singularitah: Type.String({ ...RepositoryPath, default: "singularitah" }),
        tools: Type.String({
          ...ImageReference,
          default: "node:24-bookworm",
          description: "image the jc/spackitor jobs run in",
        }),
        buildah: Type.String({ ...ImageReference, default: "quay.io/buildah/stable:v1.37" }),
        builderPackages: Type.Array(Type.String({ pattern: "^[a-z0-9][a-z0-9.+-]*$" }), {
          default: ["gcc-12", "g++-12", "gfortran-12"],
          description:
            "OS packages installed in the builder besides the OS's own compilers (build argument COMPILER_PACKAGES)",
        }),
        builderCompilers: Type.Array(Type.String({ pattern: "^[a-z][a-z0-9-]*@[0-9][0-9.]*$" }), {
          default: ["gcc@11", "gcc@12"],
          description:
            "the compilers the builder provides (the OS's and builderPackages'); a compiler baseArch requires must be one of them",
        }),
        os: Type.String({
          ...ImageReference,
          default: "ubuntu:22.04",
          description:
            "the OS image builder, runtime and singularitah start from (build argument BASE_IMAGE); match it to baseArch's os=",
        }),
        containers: Type.String({
          ...RepositoryPath,
          default: "spacktainers",
          description: "containers are pushed as <imageRoot>/<containers>/<name>:<tag>",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    spack: Type.Object(
      {
        repository: Type.String({
          pattern: "^(https?|ssh|git|file)://[A-Za-z0-9._~:/@%+-]+$",
          default: "https://github.com/spack/spack.git",
        }),
        branch: Type.String({
          pattern: "^(?!-)(?!.*\\.\\.)[A-Za-z0-9._/+-]+$",
          default: "releases/v0.23",
          description: "a git branch or tag of the repository",
        }),
        version: Type.String({
          pattern: "^\\d+\\.\\d+(\\.\\d+)?$",
          default: "0.23",
          description:
            "the Spack release the builder runs; decides the spack.yaml and CI format emitted",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    toolVersions: Type.Record(
      Type.String({ pattern: "^[a-z0-9]+(-[a-z0-9]+)*$" }),
      Type.String({ pattern: "^[0-9A-Za-z][0-9A-Za-z.+~_-]*$" }),
      {
        additionalProperties: false,
        default: { apptainer: "1.3.4", s3cmd: "2.4.0" },
        description: "versions of the tools baked into singularitah (build args and labels)",
      },
    ),
    proxy: Type.Record(Type.String(VariableName), Type.String({ pattern: "^[^\\s'\"`\\\\]*$" }), {
      default: {},
      additionalProperties: false,
      description:
        "proxy variables (e.g. HTTP_PROXY) set on jobs of architectures with proxy: true",
    }),
    publish: Type.Array(PublishTarget, { default: [] }),
    checkRunners: Type.Boolean({
      default: false,
      description:
        "jc create-jobs asks GitLab (GITLAB_API_TOKEN: read_api, Maintainer role) whether each arch has an online runner; an arch without one is built under its emulation: fallback, or left out with a warning, instead of waiting forever",
    }),
    archive: Type.Object(
      {
        keep: Type.Integer({
          minimum: 0,
          maximum: 1000,
          default: 5,
          description: "archived images kept per tag whatever their age",
        }),
        maxAgeDays: Type.Integer({
          minimum: 0,
          maximum: 36_500,
          default: 30,
          description: "older archived images beyond `keep` are deleted",
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          "before a pipeline replaces a container's tag (project registry, publish registries), the image is kept as <tag>-archived-<UTC time>; `jc rollback` restores it. keep 0 and maxAgeDays 0: no archives",
      },
    ),
    retire: Type.Object(
      {
        keep: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 3,
          description: "SIF files kept per container and branch whatever their age (the newest)",
        }),
        maxAgeDays: Type.Integer({
          minimum: 0,
          maximum: 36_500,
          default: 90,
          description: "older SIF files than this, beyond `keep`, are deleted; 0: never",
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          "the entry pipeline's cleanup (jc clean-branches) deletes SIF files of tags no longer built, with their archives",
      },
    ),
    inputs: Type.Object(
      {
        endpoint: Type.String({
          ...HttpUrl,
          default: "https://s3.amazonaws.com",
          description:
            "S3 endpoint of the buckets s3:// inputs are read from (path-style requests)",
        }),
        region: Type.String({ ...Region, default: "us-east-1" }),
        credentials: S3Credentials,
      },
      {
        additionalProperties: false,
        default: {},
        description:
          "where container builds fetch the s3:// files of `spacktainer.fetch` from: the key pair by CI variable name",
      },
    ),
    buildJobs: Type.Object(
      {
        timeout: Type.String({
          pattern: "^[0-9]+ ?[a-z]+( [0-9]+ ?[a-z]+)*$",
          default: "4h",
          description: "timeout of each Spack rebuild job, as GitLab reads it (4h, 90 minutes)",
        }),
        imagePullPolicy: Type.Union(
          [Type.Literal("always"), Type.Literal("if-not-present"), Type.Literal("never")],
          {
            default: "always",
          },
        ),
        minutes: Type.Record(
          Type.String({ minLength: 1 }),
          Type.Number({ exclusiveMinimum: 0, maximum: 100_000 }),
          {
            default: {},
            description:
              "typical build minutes by package name (`default:` for the rest, else 10): process-spack-pipeline splits for time by them",
          },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    limits: Type.Object(
      {
        maxFileBytes: Type.Integer({
          minimum: 10_000,
          default: 500_000,
          description:
            "bytes per generated file; GitLab checks 2-3x this against max_yaml_size_bytes (2 MB)",
        }),
        maxJobsPerFile: Type.Integer({ minimum: 2, default: 500 }),
        maxNeedsPerJob: Type.Integer({ minimum: 1, maximum: 50, default: 50 }),
        maxJobNameLength: Type.Integer({ minimum: 16, maximum: 255, default: 255 }),
        maxPipelinesPerHierarchy: Type.Integer({
          minimum: 10,
          default: 1000,
          description:
            "pipelines GitLab allows in one pipeline hierarchy (pipeline_hierarchy_size); each architecture's build-cache child pipelines take at most half of its share",
        }),
        maxDefinitionBytes: Type.Integer({
          minimum: 1024,
          default: 1_048_576,
          description:
            "largest container definition (.yaml or .def) jc reads; larger files are refused",
        }),
        maxSpackOutputBytes: Type.Integer({
          minimum: 1024,
          default: 268_435_456,
          description: "largest `spack ci generate` output file process-spack-pipeline reads",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    architectures: Type.Record(Type.String({ pattern: "^[a-z0-9_]+$" }), Architecture, {
      minProperties: 1,
      // Without it, a key that fails the pattern is simply not checked (JSON Schema's rule).
      additionalProperties: false,
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type PublishTargetConfig = Static<typeof PublishTarget>;
