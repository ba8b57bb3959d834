import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SPACK_FIXTURES } from "../../test/helpers/paths.js";
import { parsePrunedJson, type Pruning } from "./pruned-json.js";
import { parseLockBytes, parseLockFile } from "./spack-specs.js";

const PRUNING: Pruning = { under: "specs", keep: new Set(["name", "version", "__proto__"]) };

/** What parsePrunedJson must return: JSON.parse's result with the entries pruned afterwards. */
function reference(text: string, pruning: Pruning): unknown {
  const json = JSON.parse(text) as unknown;
  if (!isObject(json) || !isObject(json[pruning.under])) return json;
  const keptOf = (entry: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(entry).filter(([key]) => pruning.keep.has(key)));
  const entries = Object.entries(json[pruning.under] as Record<string, unknown>).map(
    ([name, entry]) => [name, isObject(entry) ? keptOf(entry) : entry],
  );
  return { ...json, [pruning.under]: Object.fromEntries(entries) };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

const parse = (text: string, pruning = PRUNING) =>
  parsePrunedJson(Buffer.from(text, "utf8"), pruning);

function expectSameAsReference(text: string, pruning = PRUNING): void {
  const expected = reference(text, pruning);
  const got = parse(text, pruning);
  expect(got).toStrictEqual(expected);
  // Same member order and own `__proto__` members as well.
  expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
}

/** A small seeded generator (mulberry32): the same documents on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AWKWARD = ['"', "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "é", "😀", "\u0001", "name"];

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 4 : 6));
  const text = () =>
    Array.from(
      { length: Math.floor(next() * 6) },
      () => AWKWARD[Math.floor(next() * AWKWARD.length)],
    ).join("");
  if (pick === 0) return text();
  if (pick === 1) return [0, -0.5, 1e21, -12, 3.25e-7][Math.floor(next() * 5)];
  if (pick === 2) return [true, false, null][Math.floor(next() * 3)];
  if (pick === 3) return "";
  if (pick === 4)
    return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  return Object.fromEntries(
    Array.from({ length: Math.floor(next() * 4) }, () => [text(), value(next, depth + 1)]),
  );
}

function document(next: () => number): Record<string, unknown> {
  const entry = () => ({
    ...(next() < 0.8 ? { name: value(next, 1) } : {}),
    parameters: value(next, 1),
    ...(next() < 0.7 ? { version: value(next, 1) } : {}),
    [AWKWARD[Math.floor(next() * AWKWARD.length)]!]: value(next, 1),
  });
  const specs = Object.fromEntries(
    Array.from({ length: Math.floor(next() * 5) }, (_, i) => [
      `h${i}${AWKWARD[i % AWKWARD.length]}`,
      next() < 0.9 ? entry() : value(next, 1),
    ]),
  );
  return { before: value(next, 1), specs, after: value(next, 1) };
}

/** JSON with white space between tokens: JSON.stringify's, or none, or more. */
function spaced(json: unknown, next: () => number): string {
  const choice = Math.floor(next() * 3);
  if (choice === 0) return JSON.stringify(json);
  if (choice === 1) return JSON.stringify(json, null, 2);
  return ` \n\t${JSON.stringify(json, null, "\t")}\r\n `;
}

describe("parsePrunedJson", () => {
  it("reads 500 generated documents as JSON.parse does, entries pruned", () => {
    const next = random(22);
    for (let i = 0; i < 500; i++) expectSameAsReference(spaced(document(next), next));
  });

  it("keeps values that are not objects where objects are pruned", () => {
    for (const text of [
      '{"specs": [1, {"name": "x", "other": 2}]}',
      '{"specs": "text"}',
      '{"specs": {"a": null, "b": [], "c": "s", "d": 1.5, "e": {}}}',
      '{"specs": {}}',
      "{}",
      '{"specs": {"a": {"name": "first"}, "a": {"version": "second"}}}',
      '{"specs": {"a": {"name": "first", "name": "second", "other": {"name": 3}}}}',
      '{"__proto__": {"polluted": true}, "specs": {"__proto__": {"__proto__": {"x": 1}}}}',
      '{"sp\\u0065cs": {"a": {"n\\u0061me": "escaped keys", "x\\"y": 1}}}',
    ])
      expectSameAsReference(text);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("answers as JSON.parse for documents that are not objects", () => {
    for (const text of ["[]", '"text"', "12", "null", " true "]) expectSameAsReference(text);
  });

  it.each([
    ["empty", ""],
    ["white space only", " \n"],
    ["cut off", '{"specs": {"a": {"name": "x"'],
    ["cut off in a string", '{"specs": {"a": {"parameters": "x'],
    ["a trailing comma", '{"specs": {"a": {"name": "x"},}}'],
    ["no colon", '{"specs" {}}'],
    ["a key that is not a string", "{specs: {}}"],
    ["something after the document", '{"specs": {}} {}'],
    ["a byte order mark", '\ufeff{"specs": {}}'],
    ["a kept value that is not JSON", '{"specs": {"a": {"name": tru}}}'],
    ["a top-level value that is not JSON", '{"roots": [1,, 2], "specs": {}}'],
    ["a missing value", '{"specs": {"a": {"parameters": }}}'],
    ["a raw control character in a kept string", '{"specs": {"a": {"name": "x\u0001y"}}}'],
    ["a raw tab in a kept string", '{"specs": {"a": {"name": "x\ty"}}}'],
    ["an unknown escape in a kept string", '{"specs": {"a": {"name": "x\\qy"}}}'],
  ])("throws JSON.parse's SyntaxError for %s, with its message", (_, text) => {
    let expected: unknown;
    try {
      JSON.parse(text);
    } catch (error) {
      expected = error;
    }
    expect(expected).toBeInstanceOf(SyntaxError);
    expect(() => parse(text)).toThrow(expected);
  });

  it("walks the values it skips without validating them (only their strings and brackets)", () => {
    expect(parse('{"specs": {"a": {"name": "x", "parameters": [tru, {"a" 1}]}}}')).toEqual({
      specs: { a: { name: "x" } },
    });
  });

  it("reads every lock file fixture as parseLockFile reads its JSON", () => {
    for (const path of [
      "versions/v0.20-spack.lock",
      "versions/v0.21-spack.lock",
      "versions/v1.0-spack.lock",
      "scenarios-v0.21/large/spack.lock",
      "scenarios-v0.21/medium-legacy/spack.lock",
      "scenarios-v0.21/tiny/spack.lock",
    ]) {
      const bytes = readFileSync(join(SPACK_FIXTURES, path));
      const whole = parseLockFile(JSON.parse(bytes.toString("utf8")));
      expect(whole).not.toHaveProperty("error");
      expect(parseLockBytes(bytes)).toStrictEqual(whole);
    }
  });
});
