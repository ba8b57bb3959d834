import { beforeAll } from "vitest";
import {
  RegistryPusher,
  useTestRegistries,
  type TestRegistry,
} from "../../test/helpers/registry.js";
import { OciRegistryClient, type OciClientOptions } from "../src/registry/oci-client.js";
import type { ImageReference } from "../src/definitions/image-ref.js";

/** Quick retries for tests: a budget of 0.3 s, a few attempts. */
export const FAST_HTTP = { timeoutMs: 2_000, budgetMs: 300, initialDelayMs: 10, maxDelayMs: 100 };

/**
 * The registries of the client's tests, with their images: `open` holds hpc/builder (OCI,
 * amd64 and arm64, an index `t1` and an index `amd-only`) and hpc/runtime (Docker media
 * types, index `d`) and published/builder:t1-amd64 (a copy, as the publish job makes);
 * `locked` (basic auth) holds hpc/builder:t1-amd64.
 */
export function useClientRegistries(): { open: TestRegistry; locked: TestRegistry } {
  const registries = useTestRegistries({ username: "ci-user", password: "s3cret-pw" });
  beforeAll(async () => {
    const { open, locked } = registries;
    const pusher = new RegistryPusher(open);
    const amd = await pusher.pushImage("hpc/builder", "t1-amd64", "amd64", {
      "org.x.checksum": "aaa",
    });
    const arm = await pusher.pushImage("hpc/builder", "t1-arm64", "arm64", {
      "org.x.checksum": "bbb",
    });
    await pusher.pushIndex("hpc/builder", "t1", [amd, arm]);
    await pusher.pushIndex("hpc/builder", "amd-only", [amd]);
    await pusher.copyImage("hpc/builder", "published/builder", "t1-amd64");
    const damd = await pusher.pushImage(
      "hpc/runtime",
      "d-amd64",
      "amd64",
      { k: "docker" },
      "docker",
    );
    const darm = await pusher.pushImage(
      "hpc/runtime",
      "d-arm64",
      "arm64",
      { k: "docker-arm" },
      "docker",
    );
    await pusher.pushIndex("hpc/runtime", "d", [damd, darm], "docker");
    await new RegistryPusher(locked).pushImage("hpc/builder", "t1-amd64", "amd64", {
      "org.x.checksum": "aaa",
    });
  }, 60_000);
  return registries;
}

export function client(overrides: Partial<OciClientOptions> = {}) {
  return new OciRegistryClient({
    credentialsFor: () => undefined,
    credentialHint: () => "set CI_REGISTRY_USER and CI_REGISTRY_PASSWORD",
    http: FAST_HTTP,
    ...overrides,
  });
}

export const ref = (registry: string, repository: string, tag: string): ImageReference => ({
  registry,
  repository,
  tag,
});
