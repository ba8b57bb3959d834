import picomatch from "picomatch";

type Variables = Readonly<Record<string, string>>;

/** A rule of `rules:` or `workflow: rules:` in the forms the generated pipelines use. */
export interface Rule {
  readonly if?: string;
  readonly exists?: readonly string[];
  readonly when?: string;
}

/**
 * GitLab's rule evaluation: the first rule whose clauses all hold decides `when`
 * (default on_success); when none holds, the job is not in the pipeline ("never").
 * `files` are the checkout's paths, for `exists:`.
 */
export function evaluateRules(
  rules: readonly Rule[] | undefined,
  variables: Variables,
  files: readonly string[],
): string {
  if (!rules) return "on_success";
  for (const rule of rules) {
    if (rule.if !== undefined && !evaluateExpression(rule.if, variables)) continue;
    if (rule.exists && !rule.exists.some((glob) => matchesAny(glob, files))) continue;
    return rule.when ?? "on_success";
  }
  return "never";
}

function matchesAny(glob: string, files: readonly string[]): boolean {
  const matches = picomatch(glob, { dot: true });
  return files.some((file) => matches(file));
}

/**
 * The subset of GitLab's CI/CD variable expressions the generated pipelines write:
 * `$VAR`, quoted strings, `==`, `!=`, `&&`, `||` and parentheses. An unknown token throws,
 * so that a new form in the generator is noticed here instead of being read as false.
 */
export function evaluateExpression(expression: string, variables: Variables): boolean {
  const tokens = expression.match(/\$\w+|"[^"]*"|'[^']*'|==|!=|&&|\|\||\(|\)|\S+/g) ?? [];
  let at = 0;
  const value = (): string | undefined => {
    const token = tokens[at++];
    if (token?.startsWith("$")) return variables[token.slice(1)];
    if (token && /^["']/.test(token)) return token.slice(1, -1);
    if (token === "null") return undefined;
    throw new Error(`unsupported token ${token ?? "(end)"} in rule ${expression}`);
  };
  const comparison = (): boolean => {
    if (tokens[at] === "(") {
      at++;
      const inner = disjunction();
      if (tokens[at++] !== ")") throw new Error(`missing ) in rule ${expression}`);
      return inner;
    }
    const left = value();
    const operator = tokens[at];
    if (operator === "==" || operator === "!=") {
      at++;
      const right = value();
      return operator === "==" ? left === right : left !== right;
    }
    return left !== undefined && left !== "";
  };
  const conjunction = (): boolean => {
    let result = comparison();
    while (tokens[at] === "&&") {
      at++;
      result = comparison() && result;
    }
    return result;
  };
  const disjunction = (): boolean => {
    let result = conjunction();
    while (tokens[at] === "||") {
      at++;
      result = conjunction() || result;
    }
    return result;
  };
  const result = disjunction();
  if (at !== tokens.length) throw new Error(`unexpected ${tokens[at]} in rule ${expression}`);
  return result;
}

/** `$NAME` and `${NAME}` replaced as GitLab expands variables in variables and image names. */
export function expand(text: string, variables: Variables): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, braced: string | undefined, bare: string | undefined) => variables[(braced ?? bare)!] ?? "",
  );
}
