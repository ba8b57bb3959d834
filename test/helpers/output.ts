import type { Output } from "../../common/src/cli.js";

/** An output sink that keeps what a command printed. */
export function memoryOutput(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}
