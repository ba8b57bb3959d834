import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { SPACK_FIXTURES } from "./paths.js";
import type { TestS3 } from "./s3.js";

const LEGACY = join(SPACK_FIXTURES, "buildcache/legacy-v0.21-59specs");
const V3 = join(SPACK_FIXTURES, "buildcache/v3-v1.0-small");

/** The real legacy mirror of 59 specs (Spack v0.21), tarballs as placeholders of their real sizes. */
export async function uploadLegacyMirror(
  s3: TestS3,
  bucket: string,
  prefix = "",
): Promise<{
  keys: string[];
  index: Record<string, { spec: { name: string; dependencies?: { hash: string }[] } }>;
}> {
  const root = prefix ? `${prefix}/` : "";
  const keys: string[] = [];
  for (const line of (await readFile(join(LEGACY, "mirror-files.tsv"), "utf8"))
    .trim()
    .split("\n")) {
    const [size, path] = line.split("\t") as [string, string];
    const relative = path.replace(/^\.\//, "");
    const body = relative.endsWith(".spack")
      ? Buffer.alloc(Number(size), 7)
      : await readFile(join(LEGACY, relative));
    await s3.put(bucket, root + relative, body);
    keys.push(root + relative);
  }
  const index = JSON.parse(await readFile(join(LEGACY, "build_cache/index.json"), "utf8")).database
    .installs;
  return { keys, index };
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
export const blobKey = (checksum: string) => `blobs/sha256/${checksum.slice(0, 2)}/${checksum}`;

/**
 * The Spack 1.0 (v3) mirror of the fixture: its real index blob and index manifest, the
 * real xz manifest, manifests of the same shape for the other specs (their tarball and
 * spec blobs as placeholders), and the old index blob `update-index` left behind.
 */
export async function uploadV3Mirror(
  s3: TestS3,
  bucket: string,
): Promise<{ keys: string[]; orphanBlob: string; blobsOf: Map<string, string[]> }> {
  const keys: string[] = [];
  const put = async (key: string, body: Buffer | string) => {
    await s3.put(bucket, key, body);
    keys.push(key);
  };
  const indexText = await readFile(join(V3, "index-blob-db-v8.raw.json"));
  await put(blobKey(sha256(indexText)), indexText);
  await put(
    "v3/manifests/index/index.manifest.json",
    await readFile(join(V3, "index.manifest.json")),
  );
  await put("v3/layout.json", await readFile(join(V3, "layout.json")));
  const installs = JSON.parse(indexText.toString()).database.installs as Record<
    string,
    { spec: { name: string; version: string }; in_buildcache: boolean }
  >;
  const blobsOf = new Map<string, string[]>();
  for (const [hash, { spec, in_buildcache }] of Object.entries(installs)) {
    if (!in_buildcache) continue;
    const manifestKey = `v3/manifests/spec/${spec.name}/${spec.name}-${spec.version}-${hash}.spec.manifest.json`;
    let manifest: string;
    if (spec.name === "xz") {
      manifest = await readFile(
        join(V3, "xz-5.6.3-adr7c3qs4pxxbmgxfb27dqvamwqoekwm.spec.manifest.json"),
        "utf8",
      );
    } else {
      const tarball = Buffer.from(`tarball of ${hash}`);
      const specBlob = Buffer.from(`spec of ${hash}`);
      manifest = JSON.stringify({
        version: 3,
        data: [
          {
            contentLength: tarball.length,
            mediaType: "application/vnd.spack.install.v2.tar+gzip",
            compression: "gzip",
            checksumAlgorithm: "sha256",
            checksum: sha256(tarball),
          },
          {
            contentLength: specBlob.length,
            mediaType: "application/vnd.spack.spec.v5+json",
            compression: "gzip",
            checksumAlgorithm: "sha256",
            checksum: sha256(specBlob),
          },
        ],
      });
    }
    const checksums = (JSON.parse(manifest).data as { checksum: string }[]).map((d) => d.checksum);
    blobsOf.set(hash, checksums);
    for (const checksum of checksums) await put(blobKey(checksum), `blob ${checksum}`);
    await put(manifestKey, manifest);
  }
  const orphan = "9eb5a2c30297d965e820d1882c266219d75dad3785319475fbcfd063db57e98e"; // the older index blob
  await put(blobKey(orphan), "an older index");
  return { keys, orphanBlob: blobKey(orphan), blobsOf };
}
