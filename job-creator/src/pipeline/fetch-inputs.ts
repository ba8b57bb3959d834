import { shellQuote } from "../../../common/src/shell.js";
import type { Config } from "../config/schema.js";
import { fetchedInputPath } from "../definitions/fetched-inputs.js";
import type { SpackContainer } from "../definitions/types.js";

/** The script a container build runs per fetched input; in the repository. */
export const FETCH_INPUT_SCRIPT = "spacktainer/fetch-input.sh";

/**
 * What a build job needs to fetch its container's `spacktainer.fetch` inputs: the store's
 * endpoint and region, and its key pair by CI variable name (names of their own, so they
 * never shadow the project variables they refer to). None when nothing comes from S3.
 */
export function fetchInputVariables(
  config: Config,
  container: SpackContainer,
): Record<string, string> {
  if (!container.fetched.some((input) => input.url.startsWith("s3://"))) return {};
  const { endpoint, region, credentials } = config.inputs;
  return {
    SPACKTAINERS_INPUTS_ENDPOINT: endpoint,
    SPACKTAINERS_INPUTS_REGION: region,
    SPACKTAINERS_INPUTS_KEY_ID: `$${credentials.accessKeyIdVariable}`,
    SPACKTAINERS_INPUTS_SECRET_KEY: `$${credentials.secretAccessKeyVariable}`,
  };
}

/** One line per input: download it into the build context, where the Dockerfile copies it from. */
export function fetchInputLines(container: SpackContainer, context: string): string[] {
  return container.fetched.map((input, index) =>
    [
      `sh ${FETCH_INPUT_SCRIPT}`,
      shellQuote(input.url),
      input.sha256,
      shellQuote(`${context}/${fetchedInputPath(index, input.url)}`),
    ].join(" "),
  );
}
