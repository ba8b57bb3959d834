import { execFileSync } from "node:child_process";
import { appendFile, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SIGNING_PUBLIC_KEY_PATH, signCache } from "../../test/helpers/temp-repo.js";

/** Each case breaks the example repository one way; jc must say where and exit 2, writing nothing. */
export const BAD_REPO_CASES: {
  name: string;
  breakRepo: (repo: string) => Promise<void>;
  expected: RegExp[];
}[] = [
  {
    name: "YAML syntax error",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/broken.yaml"),
        "spack:\n  specs: [zlib\n  view: true\n",
      ),
    expected: [/container_definitions\/amd64\/broken\.yaml:\d+: invalid YAML/],
  },
  {
    name: "a container named like a pipeline file written beside the build contexts",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/spacktainer_pipeline-1.yaml.yaml"),
        "spack:\n  specs: [zlib]\n",
      ),
    expected: [/"spacktainer_pipeline-1\.yaml" is the name of a pipeline file jc writes/],
  },
  {
    name: "missing spack.specs",
    breakRepo: (repo) =>
      writeFile(join(repo, "container_definitions/amd64/empty.yaml"), "spack:\n  packages: {}\n"),
    expected: [/container_definitions\/amd64\/empty\.yaml:2: spack\.specs: missing/],
  },
  {
    name: "an empty definition, one of a scalar, one of two documents",
    breakRepo: async (repo) => {
      const defs = join(repo, "container_definitions/amd64");
      await writeFile(join(defs, "blank.yaml"), "");
      await writeFile(join(defs, "word.yaml"), "zlib\n");
      await writeFile(join(defs, "two.yaml"), "spack:\n  specs: [zlib]\n---\nspack: {}\n");
    },
    expected: [
      /blank\.yaml: empty: expected a mapping with a `spack:` key/,
      /word\.yaml:1: expected a mapping with a `spack:` key/,
      /two\.yaml:3: several YAML documents/,
    ],
  },
  {
    name: "wrong types in a definition, a misspelt Spack section, a key with an escape",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/typed.yaml"),
        'spack:\n  specs:\n    - zlib\n    - 42\n  packages: [x]\n  concretiser: {}\n  "x\\e[2J": 1\n',
      ),
    expected: [
      /typed\.yaml:4: spack\.specs\[1\]: expected a spec string/,
      /typed\.yaml:5: spack\.packages: expected a mapping/,
      /typed\.yaml:6: spack\.concretiser: unknown section: did you mean `concretizer`\?/,
      /typed\.yaml:7: spack\.x\\u001b\[2J: a key with control characters/,
    ],
  },
  {
    name: "wrong types in the configuration, all reported at once",
    breakRepo: (repo) =>
      appendFile(
        join(repo, "spacktainers.config.yaml"),
        "limits:\n  maxNeedsPerJob: 80\n  maxJobs: 3\n",
      ),
    expected: [
      /spacktainers\.config\.yaml:\d+: limits\.maxNeedsPerJob: must be <= 50/,
      /spacktainers\.config\.yaml:\d+: limits\.maxJobs: unknown key/,
    ],
  },
  {
    name: "unsafe container name",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/x;rm -rf.yaml"),
        "spack:\n  specs: [zlib]\n",
      ),
    expected: [/x;rm -rf\.yaml: "x;rm -rf" is not a safe container name/],
  },
  {
    name: "file and folder names with a line break or a tab (they would forge log lines)",
    breakRepo: async (repo) => {
      const defs = join(repo, "container_definitions");
      await writeFile(join(defs, "amd64/x\nerror: forged.yaml"), "spack:\n  specs: [zlib]\n");
      await mkdir(join(defs, "arm\t64"));
    },
    expected: [
      /(^|error: )container_definitions\/amd64\/"x\\nerror: forged\.yaml": the name holds a line break or another control character: rename it$/m,
      /container_definitions\/"arm\\t64": the name holds a line break/,
    ],
  },
  {
    name: "a files pair escaping the repository",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/escape.yaml"),
        "spack:\n  specs: [zlib]\nspacktainer:\n  files:\n    - ../../../../etc/passwd:/etc/passwd\n",
      ),
    expected: [
      /escape\.yaml:5: spacktainer\.files\[0\]: source "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" resolves outside the repository/,
    ],
  },
  {
    name: "a files pair escaping through a symlink",
    breakRepo: async (repo) => {
      await symlink("/etc", join(repo, "spacktainer/files/etc-link"));
      await writeFile(
        join(repo, "container_definitions/amd64/link.yaml"),
        "spack:\n  specs: [zlib]\nspacktainer:\n  files:\n    - files/etc-link/hostname:/x\n",
      );
    },
    expected: [
      /link\.yaml:5: spacktainer\.files\[0\]: source "files\/etc-link\/hostname" (resolves outside|does not exist)/,
    ],
  },
  {
    name: "a files pair whose source is missing",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/nofile.yaml"),
        "spack:\n  specs: [zlib]\nspacktainer:\n  files:\n    - files/nope.sh:/opt/nope.sh\n",
      ),
    expected: [/nofile\.yaml:5: spacktainer\.files\[0\]: source "files\/nope\.sh" does not exist/],
  },
  {
    name: "a .def without From:",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/nofrom.def"),
        "Bootstrap: docker\n\n%post\n  true\n",
      ),
    expected: [/nofrom\.def:1: no `From:` line/],
  },
  {
    name: "a .def with an invalid image reference",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/badfrom.def"),
        "Bootstrap: docker\nFrom: Bad Image:1\n",
      ),
    expected: [/badfrom\.def:2: "Bad Image:1" is not a valid image reference/],
  },
  {
    name: "a merge conflict with the template",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/conflict.yaml"),
        "spack:\n  specs: [zlib]\n  concretizer:\n    unify: false\n",
      ),
    expected: [
      /conflict\.yaml:4: spack\.concretizer\.unify: conflicts with spack\.yaml \(template: true, here: false\)/,
    ],
  },
  {
    name: "duplicate names in one arch",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/neuron.yml"),
        "spack:\n  specs: [neuron]\n",
      ),
    expected: [
      /container_definitions\/amd64\/neuron\.yml: container "neuron" is also defined by container_definitions\/amd64\/neuron\.yaml/,
    ],
  },
  {
    name: "an architecture folder that is not configured",
    breakRepo: async (repo) => {
      await mkdir(join(repo, "container_definitions/riscv64"));
      await writeFile(
        join(repo, "container_definitions/riscv64/x.yaml"),
        "spack:\n  specs: [zlib]\n",
      );
    },
    expected: [/container_definitions\/riscv64\/: no architecture "riscv64" in the configuration/],
  },
  {
    name: "a compiler the builder image does not provide",
    breakRepo: async (repo) => {
      const file = join(repo, "spacktainers.config.yaml");
      await writeFile(
        file,
        (await readFile(file, "utf8")).replace(
          "%gcc@12 os=ubuntu22.04 target=armv8.4a",
          "%gcc@13 os=ubuntu22.04 target=armv8.4a",
        ),
      );
    },
    expected: [
      /spacktainers\.config\.yaml:\d+: architectures\.arm64\.baseArch: requires %gcc@13, which the builder image does not provide \(images\.builderCompilers: gcc@11, gcc@12\)/,
    ],
  },
  {
    name: "specs Spack would refuse or misread",
    breakRepo: (repo) =>
      writeFile(
        join(repo, "container_definitions/amd64/specs.yaml"),
        "spack:\n  specs:\n    - zlib-ng@@2.2.1\n    - zlib-ng +\n    - ^zlib\n    - zlib-ng@2.2.1 %gcc@\n    - zlib-ng\n      - curl\n",
      ),
    expected: [
      /specs\.yaml:3: spack\.specs\[0\]: "zlib-ng@@2\.2\.1" is not a Spack spec/,
      /specs\.yaml:4: spack\.specs\[1\]: "zlib-ng \+" is not a Spack spec/,
      /specs\.yaml:5: spack\.specs\[2\]: "\^zlib" does not start with a package name/,
      /specs\.yaml:6: spack\.specs\[3\]: "zlib-ng@2\.2\.1 %gcc@" is not a Spack spec/,
      /specs\.yaml:7: spack\.specs\[4\]: "zlib-ng - curl" looks like two list items folded into one/,
    ],
  },
  {
    name: "a .def from a library:// source, and one without Bootstrap",
    breakRepo: async (repo) => {
      await writeFile(
        join(repo, "container_definitions/amd64/lib.def"),
        "Bootstrap: library\nFrom: alpine:3.19\n",
      );
      await writeFile(join(repo, "container_definitions/amd64/bare.def"), "From: alpine:3.19\n");
    },
    expected: [
      /lib\.def:1: Bootstrap "library" is not supported: .*use "Bootstrap: docker"/,
      /bare\.def:1: no `Bootstrap:` line/,
    ],
  },
  {
    name: "two signed caches without their public key file: both reported",
    breakRepo: async (repo) => {
      await signCache(repo, "amd64");
      await signCache(repo, "arm64");
      await rm(join(repo, SIGNING_PUBLIC_KEY_PATH));
    },
    expected: [
      /spacktainers\.config\.yaml: architectures\.amd64\.cache\.signing\.publicKey: keys\/cache-signing\.pub: no such file/,
      /spacktainers\.config\.yaml: architectures\.arm64\.cache\.signing\.publicKey: keys\/cache-signing\.pub: no such file/,
    ],
  },
  {
    name: "a signing key outside the repository, by its path",
    breakRepo: async (repo) => {
      await signCache(repo);
      const file = join(repo, "spacktainers.config.yaml");
      await writeFile(
        file,
        (await readFile(file, "utf8")).replace(SIGNING_PUBLIC_KEY_PATH, "../keys/cache.pub"),
      );
    },
    expected: [/architectures\.amd64\.cache\.signing\.publicKey: must match pattern/],
  },
  {
    name: "a signing public key file that holds the secret key",
    breakRepo: async (repo) => {
      await signCache(repo);
      await writeFile(
        join(repo, SIGNING_PUBLIC_KEY_PATH),
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlFgEsecret\n-----END PGP PRIVATE KEY BLOCK-----\n",
      );
    },
    expected: [/signing\.publicKey: keys\/cache-signing\.pub: holds a PRIVATE key: remove it/],
  },
  {
    name: "a missing template",
    breakRepo: (repo) => rm(join(repo, "spack.yaml")),
    expected: [/spack\.yaml: cannot read/],
  },
  {
    name: "a files folder holding a symbolic link (a loop), and an empty one",
    breakRepo: async (repo) => {
      await mkdir(join(repo, "spacktainer/looped"), { recursive: true });
      await writeFile(join(repo, "spacktainer/looped/a.txt"), "a\n");
      await symlink("..", join(repo, "spacktainer/looped/up"));
      await mkdir(join(repo, "spacktainer/hollow/sub"), { recursive: true });
      const defs = join(repo, "container_definitions/amd64");
      const files = (source: string) =>
        `spack:\n  specs: [zlib]\nspacktainer:\n  files:\n    - ${source}:/opt/x\n`;
      await writeFile(join(defs, "looped.yaml"), files("looped"));
      await writeFile(join(defs, "hollow.yaml"), files("hollow"));
    },
    expected: [
      /looped\.yaml:5: spacktainer\.files\[0\]: folder "looped" holds symbolic links or special files \(up\)/,
      /hollow\.yaml:5: spacktainer\.files\[0\]: folder "hollow" holds no files/,
    ],
  },
  {
    name: "a files source that is a named pipe",
    breakRepo: async (repo) => {
      execFileSync("mkfifo", [join(repo, "spacktainer/pipe")]);
      await writeFile(
        join(repo, "container_definitions/amd64/piped.yaml"),
        "spack:\n  specs: [zlib]\nspacktainer:\n  files:\n    - pipe:/opt/pipe\n",
      );
    },
    expected: [
      /piped\.yaml:5: spacktainer\.files\[0\]: source "pipe" is neither a regular file nor a folder/,
    ],
  },
];

/** `jc create-jobs` on a repository, in-process, without network. */
