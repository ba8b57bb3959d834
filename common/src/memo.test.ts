import { describe, expect, it } from "vitest";
import { memoized } from "./memo.js";

describe("memoized", () => {
  it("calls once per distinct tuple of arguments, objects by reference", () => {
    const calls: unknown[][] = [];
    const joined = memoized((a: readonly string[], b: string | undefined) => {
      calls.push([a, b]);
      return [...a, b ?? "-"];
    });
    const list = ["x"];
    const first = joined(list, "y");
    expect(joined(list, "y")).toBe(first);
    expect(joined(["x"], "y")).not.toBe(first); // equal, but another object
    expect(joined(list, undefined)).toEqual(["x", "-"]);
    expect(joined(list, undefined)).toEqual(["x", "-"]);
    expect(calls).toHaveLength(3);
  });

  it("keys on the arguments the function declares, so map's index and array do not count", () => {
    let calls = 0;
    const upper = memoized((name: string) => {
      calls++;
      return name.toUpperCase();
    });
    expect(["a", "b", "a", "a"].map(upper)).toEqual(["A", "B", "A", "A"]);
    expect(calls).toBe(2);
  });

  it("remembers a result that is undefined", () => {
    let calls = 0;
    const nothing = memoized((n: number): undefined => {
      calls += n;
      return undefined;
    });
    nothing(1);
    nothing(1);
    expect(calls).toBe(1);
  });
});
