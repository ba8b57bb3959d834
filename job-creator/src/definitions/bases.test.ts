import { describe, expect, it } from "vitest";
import { baseProblems, basesFirst, basesNeeded } from "./bases.js";
import type { ContainerDefinition } from "./types.js";

const spack = (name: string, base?: string): ContainerDefinition => ({
  kind: "spack",
  name,
  arch: "amd64",
  source: `container_definitions/amd64/${name}.yaml`,
  definitionFile: `container_definitions/amd64/${name}.yaml`,
  environment: { specs: [name] },
  files: [],
  fetched: [],
  ...(base ? { base: { container: base, line: 7 } } : {}),
});
const def = (name: string, from: string): ContainerDefinition => ({
  kind: "custom",
  name,
  arch: "amd64",
  source: `container_definitions/amd64/${name}.def`,
  definitionFile: `container_definitions/amd64/${name}.def`,
  from: { container: from, line: 2 },
});
const names = (list: readonly ContainerDefinition[]) => list.map((c) => c.name);
const messages = (list: readonly ContainerDefinition[]) =>
  baseProblems(list).map((p) => `${p.file}:${p.line}: ${p.message}`);

describe("baseProblems", () => {
  it("accepts chains of Spack containers and .def files on them", () => {
    expect(messages([spack("a"), spack("b", "a"), def("c", "b"), spack("d")])).toEqual([]);
  });

  it.each([
    [
      "an unknown base, listing the Spack containers",
      [spack("a"), spack("b", "nope"), def("t", "a")],
      'container_definitions/amd64/b.yaml:7: no container "nope" to build on in amd64; its Spack containers: a, b',
    ],
    [
      "a .def base (it has no image)",
      [spack("a"), def("t", "a"), spack("b", "t")],
      'container_definitions/amd64/b.yaml:7: "t" is a .def container, which makes a SIF file and no image: build on a Spack container (a, b)',
    ],
    [
      "a container on itself",
      [spack("a", "a")],
      "container_definitions/amd64/a.yaml:7: containers build on each other in a cycle: a on a (container_definitions/amd64/a.yaml:7); one of them must start from a base image instead",
    ],
    [
      "a cycle of three, each edge with file and line",
      [spack("x"), spack("a", "c"), spack("b", "a"), spack("c", "b"), spack("y", "a")],
      "container_definitions/amd64/a.yaml:7: containers build on each other in a cycle: a on c (container_definitions/amd64/a.yaml:7), c on b (container_definitions/amd64/c.yaml:7), b on a (container_definitions/amd64/b.yaml:7); one of them must start from a base image instead",
    ],
  ])("refuses %s", (_what, containers, message) => {
    expect(messages(containers)).toEqual([message]);
  });
});

describe("basesFirst", () => {
  it("puts each container after the one it builds on, keeping the order otherwise", () => {
    const list = [def("t", "c"), spack("c", "b"), spack("a"), spack("b", "a"), spack("z")];
    expect(names(basesFirst(list))).toEqual(["a", "b", "c", "t", "z"]);
    expect(names(basesFirst([spack("b"), spack("a")]))).toEqual(["b", "a"]);
  });
});

describe("basesNeeded", () => {
  it("adds what the named containers build on, transitively, naming who needs it", () => {
    const list = [spack("a"), spack("b", "a"), def("t", "b"), spack("z")];
    expect([...basesNeeded(list, new Set(["t"]))]).toEqual([
      ["b", "t"],
      ["a", "b"],
    ]);
    expect([...basesNeeded(list, new Set(["t", "a"]))]).toEqual([["b", "t"]]);
    expect([...basesNeeded(list, new Set(["z"]))]).toEqual([]);
  });
});
