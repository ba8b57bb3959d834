/**
 * Quoting for words that go into generated job scripts. Values from configuration and
 * definitions are never pasted into shell lines unquoted.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a literal so the shell passes it through unchanged. */
export function shellQuote(value: string): string {
  if (value !== "" && SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Quotes a word that may refer to CI variables (`$CI_REGISTRY_IMAGE/builder`): double
 * quotes keep `$NAME` expansion but nothing else is special.
 */
export function shellExpand(value: string): string {
  if (/[`"\\]|\$\(/.test(value))
    throw new Error(`refusing to put ${JSON.stringify(value)} into a shell line`);
  return `"${value}"`;
}
