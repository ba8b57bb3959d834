import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The repository root; every fixture the tests read lives below it (see test/fixtures/README.md). */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SPACK_FIXTURES = join(REPO_ROOT, "test", "fixtures", "spack");
export const GITLAB_SCHEMA = join(REPO_ROOT, "test", "fixtures", "gitlab", "ci.json");
