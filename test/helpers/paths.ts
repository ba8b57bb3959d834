import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The repository root and `../shared`, which CI places beside the clone. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SHARED = join(REPO_ROOT, "..", "shared");
export const SPACK_FIXTURES = join(SHARED, "fixtures", "spack");
export const GITLAB_SCHEMA = join(SHARED, "fixtures", "gitlab", "ci.json");
