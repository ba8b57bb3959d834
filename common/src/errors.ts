/** One problem found in an input file, located as precisely as we can. */
export interface Problem {
  readonly file: string;
  readonly line?: number;
  /** Dotted path inside the document, e.g. `spack.specs[2]`; empty for the whole file. */
  readonly path?: string;
  readonly message: string;
}

/** Renders a problem as `file:line: path: message`, the shape editors and CI logs link on. */
export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** An error the user can act on: printed as one line, no stack. Exit code 1. */
export class UserError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UserError";
  }
}

/** Bad input (files, flags): every problem is listed, exit code 2, nothing is written. */
export class InputError extends UserError {
  override readonly exitCode = 2;
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[] | string) {
    const list = typeof problems === "string" ? [] : problems;
    super(typeof problems === "string" ? problems : list.map(formatProblem).join("\n"));
    this.name = "InputError";
    this.problems = list;
  }
}

/** Throws an InputError when any problems were collected. */
export function throwIfProblems(problems: readonly Problem[]): void {
  if (problems.length > 0) throw new InputError(problems);
}

/**
 * The value `read` gives, or undefined with its input problems added to `problems`, for
 * readers that report every bad file of a run at once; other errors propagate.
 */
export async function orProblems<T>(
  read: () => T | Promise<T>,
  problems: Problem[],
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

/**
 * The values of settled promises, in order. When some failed, the report does not depend
 * on which failed first: their input problems together, in order, or else the first
 * failure in order.
 */
export function settledValues<T>(settled: readonly PromiseSettledResult<T>[]): T[] {
  const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  if (failures.length === 0) return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  const listed = failures.every((f) => f instanceof InputError && f.problems.length > 0);
  if (listed) throw new InputError(failures.flatMap((f) => (f as InputError).problems));
  throw failures[0];
}
