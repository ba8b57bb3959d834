import { GitbeakerRequestError } from "@gitbeaker/rest";
import { UserError } from "./errors.js";
import { redactText } from "./redact.js";

/** What to tell the user when GitLab refuses: per status, the fix in the words of the task. */
export interface RefusalHints {
  /** The token was not accepted at all: which variable to set, with which scope. */
  readonly 401: string;
  /** The token's user lacks a role or the token a scope. */
  readonly 403: string;
  /** The project, pipeline, job or runner does not exist (or is hidden from the token). */
  readonly 404: string;
}

/**
 * Turns what gitbeaker threw into an error that says what failed and what to do; transient
 * failures were retried below (`gitlabRequester`), so whatever arrives here is final.
 */
function gitlabFailure(error: unknown, where: string, hints: RefusalHints): Error {
  if (error instanceof UserError)
    return new UserError(`${where}: ${error.message}`, { cause: error });
  if (!(error instanceof GitbeakerRequestError)) return error as Error;
  const status = error.cause?.response.status ?? 0;
  const detail = `${where} (HTTP ${status}${error.message ? `: ${redactText(error.message)}` : ""})`;
  const hint = status === 401 || status === 403 || status === 404 ? hints[status] : undefined;
  return hint ? new UserError(`${detail}: ${hint}`) : new UserError(detail, { cause: error });
}

/** One GitLab API call, its failure explained by `gitlabFailure`. */
export async function gitlabCall<T>(
  where: string,
  hints: RefusalHints,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw gitlabFailure(error, where, hints);
  }
}
