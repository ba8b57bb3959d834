import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { arch, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arm64Hello } from "../../test/helpers/foreign-binary.js";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { runAsync } from "../../test/helpers/process.js";

// What an emulated build job runs, for real: spacktainer/register-qemu.sh registers Debian's
// qemu-user-static with the kernel, then `buildah build --platform linux/arm64` runs an arm64
// RUN step on this x86-64 machine. binfmt_misc is global to the kernel: the test leaves the
// registration as it found it.

const BINFMT = "/proc/sys/fs/binfmt_misc";
const ENTRY = `${BINFMT}/qemu-aarch64`;
const register = (archName: string) =>
  runAsync("sh", [join(REPO_ROOT, "spacktainer/register-qemu.sh"), archName]);

let work: string;
let registeredBefore = false;
const buildah = (...args: string[]) =>
  runAsync("buildah", [
    "--root",
    join(work, "storage"),
    "--runroot",
    join(work, "run"),
    "--storage-driver",
    "vfs",
    ...args,
  ]);
const build = (tag: string) =>
  buildah(
    "build",
    "--no-cache",
    "--isolation",
    "chroot",
    "--platform",
    "linux/arm64",
    "-t",
    `localhost/emulated:${tag}`,
    join(work, "context"),
  );
const unregister = () => writeFile(ENTRY, "-1");

beforeAll(async () => {
  // The suite runs as root on x86-64 (scripts/test.sh installs qemu-user-static); anywhere
  // else this test would prove nothing, so it fails instead of passing quietly.
  expect(arch(), "the emulation test needs an x86-64 machine").toBe("x64");
  expect(process.getuid?.(), "binfmt_misc needs root").toBe(0);
  work = await mkdtemp(join(tmpdir(), "spacktainers-emulated-"));
  await mkdir(join(work, "context"), { recursive: true });
  await writeFile(join(work, "context/hello"), arm64Hello("hello from arm64\n"), { mode: 0o755 });
  await writeFile(
    join(work, "context/Dockerfile"),
    'FROM scratch\nCOPY hello /hello\nRUN ["/hello"]\n',
  );
  registeredBefore = existsSync(ENTRY);
  if (registeredBefore) await unregister();
}, 60_000);

afterAll(async () => {
  const registeredNow = existsSync(ENTRY);
  if (registeredNow && !registeredBefore) await unregister();
  if (!registeredNow && registeredBefore) await register("arm64");
  await rm(work, { recursive: true, force: true });
}, 60_000);

describe("an emulated build", () => {
  it("fails without qemu, and runs the arm64 RUN step once register-qemu.sh registered it", async () => {
    const native = await build("1");
    expect(native.code).not.toBe(0);
    expect(native.stdout + native.stderr).toMatch(/exec format error/);

    const first = await register("arm64");
    expect(first.stderr).toBe("");
    expect(first.stdout).toMatch(/^registered qemu-aarch64: interpreter \//m);
    const again = await register("arm64");
    expect(again.stdout).toMatch(/qemu-aarch64 is registered already/);

    const emulated = await build("2");
    expect(emulated.code, emulated.stderr).toBe(0);
    expect(emulated.stdout).toContain("hello from arm64");
    const inspected = await buildah(
      "inspect",
      "--type",
      "image",
      "--format",
      "{{.OCIv1.Architecture}}",
      "localhost/emulated:2",
    );
    expect(inspected.stdout.trim()).toBe("arm64");
  }, 300_000);

  it("does nothing for the machine's own CPU and refuses an unknown one", async () => {
    expect((await register("amd64")).stdout).toContain("runs amd64 natively: no emulation needed");
    const unknown = await register("mips; id");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no qemu for architecture 'mips; id'");
  });
});
