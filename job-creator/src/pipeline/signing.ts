import type { Architecture } from "../config/architecture.js";

/**
 * A signed cache (`cache.signing`), in the jobs: Spack's rebuild jobs import the secret key
 * and sign what they push; every install from the cache verifies, the container builds
 * against the repository's public key only. An unsigned cache installs with
 * `--no-check-signature`, and nothing here applies.
 */

/** The variable `spack ci rebuild` imports its signing key from (base64 of the armored key). */
export const SPACK_SIGNING_KEY = "SPACK_SIGNING_KEY";

/** The builder's ONBUILD argument that turns verification on (see builder/Dockerfile). */
export const CHECK_SIGNATURE_ARG = "SPACK_CHECK_SIGNATURE";

/** What a signed cache adds to every rebuild job; never to the service jobs. */
export interface RebuildSigning {
  readonly variables: Readonly<Record<string, string>>;
  /** The first line of the job: fails clearly when the key did not reach it. */
  readonly check: string;
}

export function rebuildSigning(arch: Architecture): RebuildSigning | undefined {
  const signing = arch.cache.signing;
  if (!signing) return undefined;
  const { keyVariable } = signing;
  return {
    variables: {
      // A job variable naming itself would stay the literal "$NAME" (GitLab keeps undefined
      // references), so a key already under Spack's name reaches the job as it is.
      ...(keyVariable === SPACK_SIGNING_KEY ? {} : { [SPACK_SIGNING_KEY]: `$${keyVariable}` }),
      // Spack then refuses to push unsigned when the key is missing or unusable.
      SPACK_REQUIRE_SIGNING: "True",
    },
    check: [
      `case "\${${SPACK_SIGNING_KEY}:-}" in`,
      `"" | '$'*) echo "architectures.${arch.name}.cache.signing: the CI variable ${keyVariable} is not set in this pipeline (a protected variable reaches protected branches only): set it, masked, for every branch that builds, or remove cache.signing" >&2; exit 1 ;;`,
      "esac",
    ].join(" "),
  };
}
