const RESULT = Symbol("result");

/**
 * `fn` remembered by the identity of its arguments (objects by reference, the rest by
 * value), for a pure function called with values that many callers share: equal inputs
 * made once then give one shared result. Keeps every result as long as the returned
 * function lives, so make one per run, not per module. Only the arguments `fn` declares
 * count (`fn.length`), so it may be passed to `map`, whose index and array are not its own.
 */
export function memoized<A extends readonly unknown[], R>(
  fn: (...args: A) => R,
): (...args: A) => R {
  const root = new Map<unknown, unknown>();
  return (...args: A): R => {
    let node = root;
    for (const arg of args.slice(0, fn.length)) {
      let next = node.get(arg) as Map<unknown, unknown> | undefined;
      if (!next) node.set(arg, (next = new Map()));
      node = next;
    }
    if (!node.has(RESULT)) node.set(RESULT, fn(...args));
    return node.get(RESULT) as R;
  };
}
