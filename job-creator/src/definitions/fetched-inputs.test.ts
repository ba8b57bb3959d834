import { describe, expect, it } from "vitest";
import { dump } from "js-yaml";
import type { Problem } from "../../../common/src/errors.js";
import { parseLocatedYaml } from "../../../common/src/yaml-io.js";
import { fetchedInputPath, readFetchedInputs } from "./fetched-inputs.js";

const SHA = "a".repeat(64);
const GOOD = {
  url: "s3://licensed-bucket/vendor/tool-1.2.tar.gz",
  sha256: SHA,
  target: "/opt/t.tgz",
};

function read(fetch: unknown) {
  const doc = parseLocatedYaml(dump({ spacktainer: { fetch } }), "def.yaml");
  const problems: Problem[] = [];
  const inputs = readFetchedInputs(
    doc,
    (doc.data as { spacktainer: { fetch: unknown } }).spacktainer.fetch,
    problems,
  );
  return { inputs, messages: problems.map((p) => `${p.line}: ${p.message}`) };
}

describe("readFetchedInputs", () => {
  it("reads s3 and https inputs, in order", () => {
    const https = {
      url: "https://downloads.example.org/v2/pkg_2.0.zip",
      sha256: SHA,
      target: "/opt/pkg.zip",
    };
    expect(read([GOOD, https])).toEqual({ inputs: [GOOD, https], messages: [] });
    expect(read(undefined)).toEqual({ inputs: [], messages: [] });
  });

  it.each([
    ["http is refused", { url: "http://example.org/x.tgz" }, "expected s3://bucket/key"],
    ["a key with a space", { url: "s3://bucket/a b.tgz" }, "expected s3://bucket/key"],
    [
      "a key with a shell substitution",
      { url: "s3://bucket/$(id).tgz" },
      "expected s3://bucket/key",
    ],
    ["a quote in a URL", { url: "https://h.org/a'b" }, "expected s3://bucket/key"],
    ["a .. segment", { url: "s3://bucket/a/../b.tgz" }, "without . or .. segments"],
    ["a folder", { url: "s3://bucket/dir/" }, "expected s3://bucket/key"],
    ["a short checksum", { sha256: "abc" }, "64 lower-case hex digits"],
    ["an upper-case checksum", { sha256: "A".repeat(64) }, "64 lower-case hex digits"],
    ["a relative target", { target: "opt/t.tgz" }, "absolute path inside the image"],
    ["a target with ..", { target: "/opt/../etc/passwd" }, "absolute path inside the image"],
    ["a newline in the target", { target: "/opt/a\nb" }, "control characters"],
    ["an unknown key", { mode: "0755" }, "unknown key"],
  ])("%s", (_what, change, message) => {
    const { inputs, messages } = read([{ ...GOOD, ...change }]);
    expect(inputs).toEqual([]);
    expect(messages.join("\n")).toContain(message);
  });

  it("refuses two inputs with one target, and a list that is not one, with the line", () => {
    const twice = read([GOOD, { ...GOOD, url: "s3://licensed-bucket/other.tgz" }]);
    expect(twice.inputs).toEqual([GOOD]);
    expect(twice.messages).toEqual(["8: two inputs go to /opt/t.tgz"]);
    expect(read("s3://b/k").messages).toEqual([
      "2: expected a list of {url, sha256, target} entries",
    ]);
    expect(read(["s3://b/k"]).messages).toEqual(["3: expected {url, sha256, target}"]);
  });

  it("puts each input in a folder of its own in the build context", () => {
    expect(fetchedInputPath(0, GOOD.url)).toBe("inputs/0/tool-1.2.tar.gz");
    expect(fetchedInputPath(3, "https://h.org/a/b.zip")).toBe("inputs/3/b.zip");
  });
});
