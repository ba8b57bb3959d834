import { Type, type Static } from "@sinclair/typebox";
import {
  BucketName,
  HttpUrl,
  ImageReference,
  KeyPrefix,
  Region,
  RunnerTag,
  VariableName,
} from "./patterns.js";

/**
 * One architecture of the configuration (`architectures.<arch>`): its runners, Spack cache
 * (and its signing), containers bucket and deploy target. Part of the schema of schema.ts.
 */

export const S3Credentials = Type.Object(
  {
    accessKeyIdVariable: Type.String({ ...VariableName, default: "AWS_ACCESS_KEY_ID" }),
    secretAccessKeyVariable: Type.String({ ...VariableName, default: "AWS_SECRET_ACCESS_KEY" }),
  },
  { additionalProperties: false, default: {} },
);

const BucketRegion = Type.Optional(
  Type.String({
    ...Region,
    description:
      "the bucket's region, which signs its requests (default: the job's AWS_REGION, else us-east-1)",
  }),
);

const BranchBucket = Type.Object(
  {
    bucket: Type.String(BucketName),
    maxAgeDays: Type.Integer({
      minimum: 1,
      description: "spackitor deletes unused specs older than this",
    }),
  },
  { additionalProperties: false },
);

const CacheSigning = Type.Object(
  {
    keyVariable: Type.String({
      ...VariableName,
      description:
        "CI variable holding the secret key, base64 of its ASCII armor (gpg --export-secret-keys --armor ID | base64 -w0): the rebuild jobs import it and sign what they push",
    }),
    publicKey: Type.String({
      pattern: "^(?![./-])(?!.*(^|/)\\.\\.?(/|$))[A-Za-z0-9_.@+-]+(/[A-Za-z0-9_.@+-]+)*$",
      description:
        "the matching public key (gpg --export --armor ID), a file in the repository: container builds trust this key only",
    }),
  },
  {
    additionalProperties: false,
    description:
      "sign the cache: rebuild jobs sign, every install from it verifies. Without it the cache is unsigned and installs pass --no-check-signature",
  },
);

const CacheBucket = Type.Object(
  {
    defaultBranch: BranchBucket,
    otherBranches: BranchBucket,
    prefix: Type.String({
      ...KeyPrefix,
      default: "",
      description: "mirror root inside the bucket",
    }),
    endpoint: Type.Optional(
      Type.String({ ...HttpUrl, description: "S3 endpoint URL for S3-compatible stores" }),
    ),
    region: BucketRegion,
    credentials: S3Credentials,
    signing: Type.Optional(CacheSigning),
  },
  { additionalProperties: false },
);

const ContainersBucket = Type.Object(
  {
    bucket: Type.String(BucketName),
    prefix: Type.String({ ...KeyPrefix, default: "containers" }),
    endpoint: Type.Optional(Type.String(HttpUrl)),
    region: BucketRegion,
    credentials: S3Credentials,
    archiveMaxAgeDays: Type.Integer({
      minimum: 0,
      default: 7,
      description: "how long replaced SIF files are kept",
    }),
  },
  { additionalProperties: false },
);

const Deploy = Type.Object(
  {
    runnerTags: Type.Array(Type.String(RunnerTag), {
      minItems: 1,
      description: "tags of the runner that can write to the shared filesystem",
    }),
    path: Type.String({
      pattern: "^/[A-Za-z0-9_.@+,=/-]*$",
      description: "absolute folder on that runner where new SIF files are copied",
    }),
    image: Type.Optional(
      Type.String({
        ...ImageReference,
        description: "image of the deploy job (default: the singularitah image)",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "copy each new SIF file to a shared filesystem (the original's cluster copy)",
  },
);

const Emulation = Type.Object(
  {
    runnerTags: Type.Array(Type.String(RunnerTag), {
      minItems: 1,
      maxItems: 49,
      description:
        "tags of the runners that build this arch's images under emulation (privileged: the job registers qemu-user-static)",
    }),
    spack: Type.Boolean({
      default: false,
      description:
        "also run this arch's Spack jobs there; those runners must then run images of this arch themselves (qemu registered on the host)",
    }),
  },
  {
    additionalProperties: false,
    description:
      "with checkRunners: when no runner with runnerTags is online, build on these runners under emulation instead of leaving the arch out",
  },
);

export const Architecture = Type.Object(
  {
    runnerTags: Type.Array(Type.String(RunnerTag), { minItems: 1, maxItems: 49 }),
    proxy: Type.Boolean({
      default: false,
      description: "set the proxy variables of `proxy:` on this arch's jobs",
    }),
    baseArch: Type.String({
      minLength: 1,
      description:
        "Spack requirement every package gets, e.g. '%gcc@12 os=ubuntu22.04 target=x86_64_v3'",
    }),
    cache: CacheBucket,
    containers: ContainersBucket,
    variables: Type.Record(Type.String(VariableName), Type.String(), {
      default: {},
      additionalProperties: false,
    }),
    tagSuffix: Type.Optional(
      Type.String({
        pattern: "^[A-Za-z0-9_.-]*$",
        description:
          'appended to the container tags of this arch; default "" for amd64 and "-<arch>" for the others',
      }),
    ),
    deploy: Type.Optional(Deploy),
    emulation: Type.Optional(Emulation),
  },
  { additionalProperties: false },
);

export type ArchitectureConfig = Static<typeof Architecture>;
export type DeployConfig = Static<typeof Deploy>;
export type EmulationConfig = Static<typeof Emulation>;
