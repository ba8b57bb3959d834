/**
 * A check of Spack's spec syntax, token by token as Spack's own lexer reads it
 * (lib/spack/spack/spec_parser.py): names, `@versions`, `+`/`~`/`-` variants, `key=value`,
 * `%compiler[@version]`, `^dependency`, `/hash`. It catches what Spack would refuse and two
 * mistakes Spack would take for something else. Pure.
 * @see https://spack.readthedocs.io/en/latest/basic_usage.html#specs-dependencies
 */
const NAME = String.raw`[A-Za-z_0-9][A-Za-z_0-9\-.]*`;
const VALUE = String.raw`(?:"[^"]*"|'[^']*'|[^\s"']+)`;
const TOKENS: readonly (readonly [kind: string, pattern: RegExp])[] = [
  ["space", /^\s+/],
  ["dependency", /^\^/],
  ["version", /^@=?[A-Za-z0-9_.:,=-]+/],
  ["compiler", new RegExp(String.raw`^%\s*${NAME}(?:@=?[A-Za-z0-9_.:,-]+)?`)],
  ["variant", new RegExp(String.raw`^(?:\+\+|~~|[+~])\s*${NAME}`)],
  ["key=value", new RegExp(String.raw`^${NAME}==?${VALUE}`)],
  ["hash", /^\/[a-z2-7]+/],
  ["name", new RegExp(String.raw`^(?:${NAME}\.)*${NAME}`)],
];

/** Why `spec` is not one Spack spec, or undefined. */
export function specSyntaxProblem(spec: string): string | undefined {
  // YAML folds a list item indented under the one above into it: "zlib-ng\n  - curl".
  if (/\s-\s/.test(spec))
    return `"${spec}" looks like two list items folded into one (" - "): indent each "- spec" alike`;
  const tokens: string[] = [];
  let rest = spec;
  while (rest.length > 0) {
    const token = TOKENS.find(([, pattern]) => pattern.test(rest));
    if (!token) {
      const column = spec.length - rest.length + 1;
      return `"${spec}" is not a Spack spec: cannot read "${rest.slice(0, 12)}" at column ${column}`;
    }
    const [kind, pattern] = token;
    if (kind !== "space") tokens.push(kind);
    rest = rest.slice(pattern.exec(rest)![0].length);
  }
  if (tokens[0] !== "name") return `"${spec}" does not start with a package name`;
  for (let i = 1; i < tokens.length; i++) {
    if (tokens[i] === "name" && tokens[i - 1] !== "dependency")
      return `"${spec}" holds more than one spec: put each in its own list item`;
    if (tokens[i - 1] === "dependency" && tokens[i] !== "name" && tokens[i] !== "hash")
      return `"${spec}": "^" must be followed by a package name`;
  }
  if (tokens.at(-1) === "dependency") return `"${spec}": "^" must be followed by a package name`;
  return undefined;
}
