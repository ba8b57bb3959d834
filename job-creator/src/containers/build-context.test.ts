import { describe, expect, it } from "vitest";
import { installedPaths, pinDefinition } from "./build-context.js";

describe("pinDefinition", () => {
  it("pins the header's From: line and nothing in the sections", () => {
    const def = [
      "Bootstrap: docker",
      "From: bluebrain/nexus-storage:1.10.0",
      "",
      "%post",
      "    echo From: not-this-one",
      "",
    ].join("\n");
    expect(pinDefinition(def, "docker.io/bluebrain/nexus-storage@sha256:abc")).toBe(
      def.replace(
        "From: bluebrain/nexus-storage:1.10.0",
        "From: docker.io/bluebrain/nexus-storage@sha256:abc",
      ),
    );
  });

  it("keeps Windows line ends and the key's spelling", () => {
    expect(pinDefinition("Bootstrap: docker\r\nfrom:   x:1\r\n", "y@sha256:1")).toBe(
      "Bootstrap: docker\r\nfrom:   y@sha256:1\r\n",
    );
  });
});

describe("installedPaths", () => {
  it("takes the install tree and every view root of the environment", () => {
    expect(
      installedPaths({
        spack: {
          config: { install_tree: { root: "/opt/software", padded_length: 128 } },
          view: { default: { root: "/opt/view" }, python: { root: "/opt/py" } },
        },
      }),
    ).toEqual(["/opt/software", "/opt/view", "/opt/py"]);
    expect(installedPaths({ spack: { view: "/opt/v" } })).toEqual([
      "/opt/spack/opt/spack",
      "/opt/v",
    ]);
  });
});
