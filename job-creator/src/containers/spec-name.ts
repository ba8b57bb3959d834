/**
 * The package name of a Spack spec string, by Spack's spec grammar: an optional
 * namespace (`builtin.`), then a name of letters, digits, `_` and `-`; everything after
 * (`@version`, `+variant`, `~variant`, `%compiler`, `^dependency`, `key=value`, `/hash`,
 * spaces) is not part of it. (The original cut only at `~` and `+`.)
 * @see https://spack.readthedocs.io/en/latest/basic_usage.html#specs-dependencies
 */
const SPEC_HEAD = /^\s*(?:[A-Za-z_][\w-]*\.)*([A-Za-z_0-9][\w-]*)(?=$|[\s@+~%^/])/;

export function specPackageName(spec: string): string | { error: string } {
  const match = SPEC_HEAD.exec(spec);
  if (!match) return { error: `"${spec}" does not start with a package name` };
  return match[1]!;
}
