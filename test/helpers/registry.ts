import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { openSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "./ports.js";

/** A real Debian `docker-registry` (CNCF distribution 2.8) on 127.0.0.1, storing in a temp dir. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, as an image reference names it. */
  readonly host: string;
  readonly url: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  stop(): Promise<void>;
}

/** Starts a registry; with `auth`, it demands HTTP basic auth checked against an htpasswd file. */
export async function startRegistry(
  dir: string,
  auth?: { username: string; password: string },
): Promise<TestRegistry> {
  const port = await freePort();
  await mkdir(dir, { recursive: true });
  const lines = [
    "version: 0.1",
    "log: {level: warn, accesslog: {disabled: true}}",
    `storage: {filesystem: {rootdirectory: ${join(dir, "data")}}, delete: {enabled: true}}`,
    `http: {addr: "127.0.0.1:${port}", secret: test-secret}`,
  ];
  if (auth) {
    await writeFile(
      join(dir, "htpasswd"),
      `${auth.username}:${bcrypt.hashSync(auth.password, 6)}\n`,
    );
    lines.push(`auth: {htpasswd: {realm: test-realm, path: ${join(dir, "htpasswd")}}}`);
  }
  await writeFile(join(dir, "config.yml"), lines.join("\n") + "\n");
  const log = openSync(join(dir, "registry.log"), "a");
  const child = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child, dir);
  return {
    host: `127.0.0.1:${port}`,
    url,
    ...(auth ? { credentials: auth } : {}),
    stop: () => stopProcess(child),
  };
}

/**
 * Two registries for the tests of a file, started before them and stopped after: `open`
 * answers anyone, `locked` demands the given basic-auth credentials. Read the fields inside
 * tests or later hooks; they are set once the servers run.
 */
export function useTestRegistries(credentials: { username: string; password: string }): {
  open: TestRegistry;
  locked: TestRegistry;
} {
  const registries = {} as { open: TestRegistry; locked: TestRegistry };
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "registries-"));
    registries.open = await startRegistry(join(dir, "open"));
    registries.locked = await startRegistry(join(dir, "locked"), credentials);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([registries.open?.stop(), registries.locked?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return registries;
}

async function waitUntilReady(url: string, child: ChildProcess, dir: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null)
      throw new Error(`docker-registry exited with ${child.exitCode}; see ${dir}/registry.log`);
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`docker-registry did not start; see ${dir}/registry.log`);
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => {
      resolve();
    });
    child.kill("SIGTERM");
  });
}

const OCI_TYPES = {
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar",
};
const DOCKER_TYPES = {
  manifest: "application/vnd.docker.distribution.manifest.v2+json",
  config: "application/vnd.docker.container.image.v1+json",
  layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
};
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

export interface PushedManifest {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  readonly arch: string;
}

/** Pushes images over the distribution HTTP API, as buildah would, without any tool. */
export class RegistryPusher {
  constructor(private readonly registry: TestRegistry) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const c = this.registry.credentials;
    return {
      ...extra,
      ...(c
        ? {
            authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`,
          }
        : {}),
    };
  }

  async pushBlob(repo: string, content: Buffer): Promise<{ digest: string; size: number }> {
    const digest = `sha256:${createHash("sha256").update(content).digest("hex")}`;
    const start = await fetch(`${this.registry.url}/v2/${repo}/blobs/uploads/`, {
      method: "POST",
      headers: this.headers(),
    });
    if (start.status !== 202)
      throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get("location")!, this.registry.url);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, {
      method: "PUT",
      headers: this.headers({ "content-type": "application/octet-stream" }),
      body: content,
    });
    if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${await put.text()}`);
    return { digest, size: content.length };
  }

  async pushManifest(
    repo: string,
    reference: string,
    manifest: object,
    mediaType: string,
  ): Promise<{ digest: string; size: number }> {
    const body = Buffer.from(JSON.stringify(manifest));
    const response = await fetch(`${this.registry.url}/v2/${repo}/manifests/${reference}`, {
      method: "PUT",
      headers: this.headers({ "content-type": mediaType }),
      body,
    });
    if (response.status !== 201)
      throw new Error(`manifest push: ${response.status} ${await response.text()}`);
    return {
      digest: `sha256:${createHash("sha256").update(body).digest("hex")}`,
      size: body.length,
    };
  }

  /** A one-layer image of `arch` with `labels` in its config, tagged `tag`. */
  async pushImage(
    repo: string,
    tag: string,
    arch: string,
    labels: Record<string, string>,
    format: "oci" | "docker" = "oci",
  ): Promise<PushedManifest> {
    const layer = await this.pushBlob(
      repo,
      Buffer.from(`layer of ${repo}:${tag} for ${arch} ${JSON.stringify(labels)}`),
    );
    const config = await this.pushBlob(
      repo,
      Buffer.from(
        JSON.stringify({
          architecture: arch,
          os: "linux",
          config: { Labels: labels },
          rootfs: { type: "layers", diff_ids: [layer.digest] },
        }),
      ),
    );
    const types = format === "oci" ? OCI_TYPES : DOCKER_TYPES;
    const manifest = {
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, ...config },
      layers: [{ mediaType: types.layer, ...layer }],
    };
    return {
      ...(await this.pushManifest(repo, tag, manifest, types.manifest)),
      mediaType: types.manifest,
      arch,
    };
  }

  /**
   * Copies the image `from:tag` to `to:tag` as skopeo's copy does: the same manifest bytes
   * (so the same digest and config blob), its blobs mounted across repositories.
   */
  async copyImage(from: string, to: string, tag: string): Promise<string> {
    const manifest = await fetch(`${this.registry.url}/v2/${from}/manifests/${tag}`, {
      headers: this.headers({ accept: `${OCI_TYPES.manifest}, ${DOCKER_TYPES.manifest}` }),
    });
    if (manifest.status !== 200) throw new Error(`manifest of ${from}:${tag}: ${manifest.status}`);
    const mediaType = manifest.headers.get("content-type")!;
    const body = Buffer.from(await manifest.arrayBuffer());
    const parsed = JSON.parse(body.toString()) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    for (const { digest } of [parsed.config, ...parsed.layers]) {
      const mount = await fetch(
        `${this.registry.url}/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`,
        { method: "POST", headers: this.headers() },
      );
      if (mount.status !== 201) throw new Error(`blob mount of ${digest}: ${mount.status}`);
    }
    const put = await fetch(`${this.registry.url}/v2/${to}/manifests/${tag}`, {
      method: "PUT",
      headers: this.headers({ "content-type": mediaType }),
      body,
    });
    if (put.status !== 201) throw new Error(`manifest copy: ${put.status} ${await put.text()}`);
    return `sha256:${createHash("sha256").update(body).digest("hex")}`;
  }

  /** An OCI index (or Docker manifest list) over images already pushed. */
  async pushIndex(
    repo: string,
    tag: string,
    images: readonly PushedManifest[],
    kind: "oci" | "docker" = "oci",
  ): Promise<string> {
    const mediaType = kind === "oci" ? OCI_INDEX : DOCKER_LIST;
    const index = {
      schemaVersion: 2,
      mediaType,
      manifests: images.map((m) => ({
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.size,
        platform: { architecture: m.arch, os: "linux" },
      })),
    };
    return (await this.pushManifest(repo, tag, index, mediaType)).digest;
  }
}
