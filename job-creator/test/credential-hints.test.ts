import { describe, expect, it } from "vitest";
import { load } from "js-yaml";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../../test/helpers/paths.js";
import { useTestS3 } from "../../test/helpers/s3.js";
import { containersStore } from "../src/commands/online-services.js";
import type { Config } from "../src/config/schema.js";

const env = useTestS3("hints");

describe("credential hints", () => {
  it("names the variables the configuration names when the bucket refuses the keys", async () => {
    const bucket = await env.bucket();
    const config = load(
      await readFile(join(REPO_ROOT, "spacktainers.config.yaml"), "utf8"),
    ) as Config;
    const containers = {
      ...config.architectures["amd64"]!.containers,
      bucket,
      endpoint: env.s3.endpoint,
    };
    const store = containersStore(
      { containers },
      {
        CONTAINERS_ACCESS_KEY_ID: "not-the-key",
        CONTAINERS_SECRET_ACCESS_KEY: "not-the-secret",
      },
    );
    const error = (await store.metadata("x.sif").catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/HTTP 403/);
    expect(error.message).toContain(
      "check CONTAINERS_ACCESS_KEY_ID / CONTAINERS_SECRET_ACCESS_KEY",
    );
    expect(error.message).not.toContain("AWS_ACCESS_KEY_ID");
    expect(error.message).not.toContain("not-the-secret");
  });
});
