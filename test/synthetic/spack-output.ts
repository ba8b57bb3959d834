/**
 * A generator of synthetic `spack ci generate` outputs with the shape of Spack v0.21's
 * (see test/fixtures/spack/scenarios-v0.21/large/pipeline.yml): many containers of one
 * arch sharing dependencies, stages from the longest dependency path, `needs` on rebuilt
 * dependencies of any earlier stage plus the literal-id need on the generate job, and
 * v0.21's global variables, including `SPACK_REMOTE_MIRROR_URL: null`. Deterministic for a seed.
 */
import { dump } from "js-yaml";

export interface SyntheticOptions {
  readonly uniqueJobs: number;
  readonly containers: number;
  /** Roots per container; with shared dependencies this sets how many job entries there are. */
  readonly rootsPerContainer: number;
  readonly maxDependencies: number;
  readonly seed: number;
  /** Share whole lists between jobs as v0.22.3+ does, so the output holds anchors and aliases. */
  readonly anchors?: boolean;
}

interface Spec {
  readonly name: string;
  readonly version: string;
  readonly hash: string;
  readonly deps: readonly number[];
  readonly stage: number;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** Stacks are shallow and wide: about 20 layers, each spec depending on nearby specs of lower layers. */
const LAYERS = 20;
const WINDOW = 0.01;

function makeSpecs(opts: SyntheticOptions, random: () => number): Spec[] {
  const specs: Spec[] = [];
  const layerStart = (l: number) => Math.floor((l * opts.uniqueJobs) / LAYERS);
  for (let i = 0; i < opts.uniqueJobs; i++) {
    const hash = Array.from({ length: 32 }, () => BASE32[Math.floor(random() * 32)]).join("");
    const layer = Math.floor((i * LAYERS) / opts.uniqueJobs);
    const position = positionOf(i, opts.uniqueJobs);
    const deps = new Set<number>();
    const count = layer === 0 ? 0 : 1 + Math.floor(random() * opts.maxDependencies);
    for (let d = 0; d < count; d++) {
      // Mostly the layer just below, sometimes further down, near the same position.
      const from = layer - 1 - Math.floor(random() * random() * Math.min(layer, 4));
      const size = layerStart(from + 1) - layerStart(from);
      const at = Math.min(
        size - 1,
        Math.max(0, Math.floor((position + (random() - 0.5) * WINDOW) * size)),
      );
      deps.add(layerStart(from) + at);
    }
    const depList = [...deps].sort((a, b) => a - b);
    const stage = depList.reduce((s, d) => Math.max(s, specs[d]!.stage + 1), 0);
    specs.push({
      name: `pkg-${i}`,
      version: `${1 + (i % 7)}.${i % 13}.${i % 5}`,
      hash,
      deps: depList,
      stage,
    });
  }
  return specs;
}

/** Where a spec stands inside its layer, from 0 to 1. */
function positionOf(i: number, total: number): number {
  const layer = Math.floor((i * LAYERS) / total);
  const start = Math.floor((layer * total) / LAYERS);
  const end = Math.floor(((layer + 1) * total) / LAYERS);
  return (i - start) / Math.max(1, end - start);
}

function closure(roots: readonly number[], specs: readonly Spec[]): number[] {
  const seen = new Set<number>();
  const stack = [...roots];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen.has(i)) continue;
    seen.add(i);
    stack.push(...specs[i]!.deps);
  }
  return [...seen].sort((a, b) => a - b);
}

const jobName = (s: Spec) =>
  `${s.name}@${s.version} /${s.hash.slice(0, 7)} %gcc@12.2.0 arch=linux-debian12-x86_64_v3`;

/** Generates the outputs: container name -> YAML text. */
export function generateSpackOutputs(opts: SyntheticOptions): Map<string, string> {
  const random = prng(opts.seed);
  const specs = makeSpecs(opts, random);
  const files = new Map<string, string>();
  for (let c = 0; c < opts.containers; c++) {
    const container = `container-${String(c).padStart(3, "0")}`;
    // Each container owns a slice of every layer (so every spec is built by some container)
    // plus a few roots anywhere: their dependency cones overlap, as real stacks share libraries.
    const owned = specs
      .map((_, i) => i)
      .filter((i) => Math.floor(positionOf(i, specs.length) * opts.containers) === c);
    const extra = Array.from({ length: opts.rootsPerContainer }, () =>
      Math.floor(random() * specs.length),
    );
    files.set(
      container,
      renderContainer(
        container,
        closure([...owned, ...extra], specs),
        specs,
        opts.anchors ?? false,
      ),
    );
  }
  return files;
}

function renderContainer(
  container: string,
  members: readonly number[],
  specs: readonly Spec[],
  anchors: boolean,
): string {
  const root = `jobs_scratch_dir/${container}`;
  const shared = {
    image: { name: "registry.example.org:5050/hpc/spacktainers/builder:latest", entrypoint: [""] },
    before_script: [". /opt/spack/share/spack/setup-env.sh", "spack --version"],
    script: [
      "cd ${SPACK_CONCRETE_ENV_DIR}",
      "spack env activate --without-view .",
      "mkdir -p ${SPACK_ARTIFACTS_ROOT}/user_data",
      "spack -d ci rebuild > >(tee ${SPACK_ARTIFACTS_ROOT}/user_data/pipeline_out.txt) 2> >(tee ${SPACK_ARTIFACTS_ROOT}/user_data/pipeline_err.txt >&2)",
    ],
    after_script: ["cat /proc/loadavg || true"],
    tags: ["kubernetes", "spacktainers", "small"],
    artifacts: {
      when: "always",
      paths: [`${root}/logs`, `${root}/reproduction`, `${root}/tests`, `${root}/user_data`],
    },
    retry: { max: 2, when: ["always"] },
    generateNeed: { job: `generate-${container}`, pipeline: "424242" },
  };
  const copy = <T>(value: T): T => (anchors ? value : structuredClone(value));
  const doc: Record<string, unknown> = {};
  let maxStage = 0;
  for (const i of members) {
    const s = specs[i]!;
    maxStage = Math.max(maxStage, s.stage);
    doc[jobName(s)] = {
      variables: {
        KUBERNETES_CPU_REQUEST: "2",
        KUBERNETES_MEMORY_REQUEST: "4Gi",
        SPACK_JOB_SPEC_DAG_HASH: s.hash,
        SPACK_JOB_SPEC_PKG_NAME: s.name,
        SPACK_JOB_SPEC_PKG_VERSION: s.version,
        SPACK_JOB_SPEC_COMPILER_NAME: "gcc",
        SPACK_JOB_SPEC_COMPILER_VERSION: "12.2.0",
        SPACK_JOB_SPEC_ARCH: "linux-debian12-x86_64_v3",
        SPACK_JOB_SPEC_VARIANTS: "+shared~debug build_system=autotools",
        SPACK_SPEC_NEEDS_REBUILD: "True",
      },
      image: copy(shared.image),
      timeout: "4h",
      before_script: copy(shared.before_script),
      script: copy(shared.script),
      after_script: copy(shared.after_script),
      tags: copy(shared.tags),
      needs: [
        ...s.deps.map((d) => ({ job: jobName(specs[d]!), artifacts: false })),
        copy(shared.generateNeed),
      ],
      artifacts: copy(shared.artifacts),
      stage: `stage-${s.stage}`,
      retry: copy(shared.retry),
      interruptible: true,
    };
  }
  doc["rebuild-index"] = {
    script: ["spack buildcache update-index --keys s3://spack-build-cache"],
    image: copy(shared.image),
    tags: ["kubernetes", "spacktainers", "service"],
    stage: "stage-rebuild-index",
    when: "always",
    retry: {
      max: 2,
      when: ["runner_system_failure", "stuck_or_timeout_failure", "script_failure"],
    },
    interruptible: true,
  };
  // v0.2x lists every stage of the unpruned graph, empty ones included.
  doc["stages"] = [
    ...Array.from({ length: maxStage + 2 }, (_, i) => `stage-${i}`),
    "stage-rebuild-index",
  ];
  doc["variables"] = {
    SPACK_ARTIFACTS_ROOT: root,
    SPACK_CONCRETE_ENV_DIR: `${root}/concrete_environment`,
    SPACK_VERSION: "0.21.2 (89319413d5d90caa9bea98e3419f8aeab61a2a0d)",
    SPACK_CHECKOUT_VERSION: "89319413d5d90caa9bea98e3419f8aeab61a2a0d",
    SPACK_REMOTE_MIRROR_URL: null,
    SPACK_JOB_LOG_DIR: `${root}/logs`,
    SPACK_PIPELINE_TYPE: "None",
  };
  doc["workflow"] = { rules: [{ when: "always" }] };
  return dump(doc, { lineWidth: -1, noRefs: !anchors });
}
