/**
 * URLs and texts as they may be printed: credentials in URLs (user, password, secret query
 * values) never reach a log or an error message.
 */

/** Query parameters that carry secrets in URLs (GitLab, registries' token services). */
const SECRET_PARAMS = /token|password|secret|key|auth|signature|credential/i;

/** The URL as it may be printed: no user or password, no secret query values. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return String(url).replace(/\/\/[^/@\s]*@/g, "//***@");
  }
  let changed = false;
  if (parsed.username || parsed.password) {
    parsed.username = "***";
    parsed.password = "";
    changed = true;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (!SECRET_PARAMS.test(name)) continue;
    parsed.searchParams.set(name, "***");
    changed = true;
  }
  return changed ? parsed.href : String(url);
}

/** Redacts every URL with credentials inside a text (error messages of other libraries). */
export const redactText = (text: string): string =>
  text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
