/**
 * A synthetic legacy (build_cache/) Spack mirror of any size, shaped like the real one in
 * test/fixtures/spack/buildcache/legacy-v0.21-59specs: an index of database version 7,
 * and per spec a `.spec.json` and a `.spack` tarball at Spack's paths. Deterministic.
 */
export interface SyntheticMirror {
  /** Key (relative to the mirror root) -> content. */
  readonly objects: Map<string, string>;
  readonly hashes: readonly string[];
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

export function generateLegacyMirror(specs: number, seed = 1): SyntheticMirror {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
  const hashes = Array.from({ length: specs }, () =>
    Array.from({ length: 32 }, () => BASE32[Math.floor(random() * 32)]).join(""),
  );
  const arch = { platform: "linux", platform_os: "debian12", target: "x86_64_v3" };
  const installs: Record<string, unknown> = {};
  const objects = new Map<string, string>();
  hashes.forEach((hash, i) => {
    const name = `pkg-${i}`;
    const version = `1.${i % 10}`;
    const deps =
      i === 0
        ? []
        : [
            ...new Set(
              Array.from(
                { length: 1 + Math.floor(random() * 3) },
                () => hashes[Math.floor(random() * i)]!,
              ),
            ),
          ];
    const spec = {
      name,
      version,
      arch,
      compiler: { name: "gcc", version: "12.2.0" },
      namespace: "builtin",
      parameters: {
        build_system: "generic",
        cflags: [],
        cppflags: [],
        cxxflags: [],
        fflags: [],
        ldflags: [],
        ldlibs: [],
      },
      ...(deps.length
        ? {
            dependencies: deps.map((h) => ({
              name: "dep",
              hash: h,
              parameters: { deptypes: ["build", "link"], virtuals: [] },
            })),
          }
        : {}),
      hash,
    };
    installs[hash] = { spec, ref_count: 1, in_buildcache: true };
    const stem = `linux-debian12-x86_64_v3-gcc-12.2.0-${name}-${version}-${hash}`;
    objects.set(
      `build_cache/${stem}.spec.json`,
      JSON.stringify({ spec: { _meta: { version: 4 }, nodes: [spec] } }),
    );
    objects.set(
      `build_cache/linux-debian12-x86_64_v3/gcc-12.2.0/${name}-${version}/${stem}.spack`,
      `tarball ${hash}`,
    );
  });
  objects.set("build_cache/index.json", JSON.stringify({ database: { version: "7", installs } }));
  return { objects, hashes };
}
