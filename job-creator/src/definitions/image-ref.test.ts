import { describe, expect, it } from "vitest";
import { formatImageReference, parseImageReference } from "./image-ref.js";

describe("parseImageReference", () => {
  it.each([
    ["ubuntu", "docker.io/library/ubuntu:latest"],
    ["ubuntu:22.04", "docker.io/library/ubuntu:22.04"],
    ["bluebrain/nexus-storage:1.10.0", "docker.io/bluebrain/nexus-storage:1.10.0"],
    ["docker://bluebrain/nexus-storage", "docker.io/bluebrain/nexus-storage:latest"],
    [
      "registry.example.org:5050/hpc/spacktainers/builder:abc-amd64",
      "registry.example.org:5050/hpc/spacktainers/builder:abc-amd64",
    ],
    ["localhost:5000/app", "localhost:5000/app:latest"],
    ["localhost/app:1", "localhost/app:1"],
    ["ghcr.io/org/tool@sha256:" + "a".repeat(64), "ghcr.io/org/tool@sha256:" + "a".repeat(64)],
    [
      "ghcr.io/org/tool:1.0@sha256:" + "b".repeat(64),
      "ghcr.io/org/tool:1.0@sha256:" + "b".repeat(64),
    ],
    ["index.docker.io/library/busybox:1", "docker.io/library/busybox:1"],
    ["[::1]:5000/app:v2", "[::1]:5000/app:v2"],
  ])("%s -> %s", (input, expected) => {
    const ref = parseImageReference(input);
    expect("error" in ref ? ref.error : formatImageReference(ref)).toBe(expected);
  });

  it("keeps registry, port, repository, tag and digest apart", () => {
    expect(parseImageReference("reg.example:5050/a/b:1.2@sha256:" + "c".repeat(64))).toEqual({
      registry: "reg.example:5050",
      repository: "a/b",
      tag: "1.2",
      digest: "sha256:" + "c".repeat(64),
    });
  });

  it.each([
    "",
    "Ubuntu",
    "ubuntu:",
    "a b",
    "ubuntu:22.04;rm -rf /",
    "-ubuntu",
    "ubuntu@sha256:short",
    "ubuntu:" + "x".repeat(129),
  ])("rejects %j", (input) => {
    expect(parseImageReference(input)).toHaveProperty("error");
  });
});
