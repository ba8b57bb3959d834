import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startGitlabApi } from "../../test/helpers/gitlab-api.js";
import { tempDir } from "../../test/helpers/temp-repo.js";
import { validateFiles } from "../src/commands/validate.js";
import { gitlabCiLinter } from "../src/gitlab/ci-lint.js";
import { GITLAB_DEFAULT_LIMITS } from "../../common/src/ci/limits.js";
import { runJcAsync } from "./cli.js";

/** GitLab's CI Lint API as its documentation shows: {valid, errors, warnings, merged_yaml}. */
function lintRoute() {
  return startGitlabApi((req, body) => {
    if (req.method !== "POST" || req.url !== "/api/v4/projects/42/ci/lint") return undefined;
    if (req.headers["private-token"] !== "secret-token")
      return { status: 401, json: { message: "401 Unauthorized" } };
    const { content } = JSON.parse(body) as { content: string };
    const bad = content.includes("scrip:");
    return {
      status: 200,
      json: {
        valid: !bad,
        errors: bad ? ["jobs:a config contains unknown keys: scrip"] : [],
        warnings: [],
        merged_yaml: content,
      },
    };
  });
}

describe("jc validate --lint", () => {
  it("reports what the instance's CI Lint API says", async () => {
    const api = await lintRoute();
    try {
      const dir = await tempDir();
      await writeFile(join(dir, "good.yml"), "a:\n  script: [x]\n");
      await writeFile(join(dir, "bad.yml"), "a:\n  scrip: [x]\n");
      const linter = gitlabCiLinter({ host: api.url, token: "secret-token", projectId: "42" });
      const findings = await validateFiles({
        files: [join(dir, "good.yml"), join(dir, "bad.yml")],
        limits: GITLAB_DEFAULT_LIMITS,
        linter,
      });
      expect(findings.map((f) => f.problems)).toEqual([
        [],
        ["gitlab: jobs:a config contains unknown keys: scrip"],
      ]);
      expect(api.requests).toEqual([
        "POST /api/v4/projects/42/ci/lint token=yes",
        "POST /api/v4/projects/42/ci/lint token=yes",
      ]);
    } finally {
      await api.stop();
    }
  });

  it("takes the instance, project and token from CI variables, and never prints the token", async () => {
    const api = await lintRoute();
    try {
      const dir = await tempDir();
      await writeFile(join(dir, "bad.yml"), "a:\n  scrip: [x]\n");
      const ok = await runJcAsync(["validate", "--lint", "bad.yml"], dir, {
        CI_SERVER_URL: api.url,
        CI_PROJECT_ID: "42",
        GITLAB_API_TOKEN: "secret-token",
      });
      expect(ok.stdout).toMatch(/bad\.yml: gitlab: jobs:a config contains unknown keys: scrip/);
      expect(ok.code).toBe(1);
      const refused = await runJcAsync(["validate", "--lint", "bad.yml"], dir, {
        CI_SERVER_URL: api.url,
        CI_PROJECT_ID: "42",
        GITLAB_API_TOKEN: "wrong-token",
      });
      expect(refused.stderr).toMatch(/CI Lint API of project 42 .* failed \(HTTP 401\)/);
      expect(refused.stderr + refused.stdout).not.toContain("wrong-token");
      const missing = await runJcAsync(["validate", "--lint", "bad.yml"], dir, {
        CI_SERVER_URL: "",
        CI_PROJECT_ID: "",
        GITLAB_API_TOKEN: "",
      });
      expect(missing.stderr).toMatch(
        /--lint needs --gitlab-url \(CI_SERVER_URL\), --project \(CI_PROJECT_ID\), --token \(GITLAB_API_TOKEN\)/,
      );
      expect(missing.code).toBe(2);
      // A URL with a password is bad input, and the password is never printed.
      const withPassword = await runJcAsync(["validate", "--lint", "bad.yml"], dir, {
        CI_SERVER_URL: api.url.replace("://", "://user:hunter2@"),
        CI_PROJECT_ID: "42",
        GITLAB_API_TOKEN: "secret-token",
      });
      expect(withPassword.stderr).toMatch(/GitLab's URL http:\/\/\*\*\*@.* carries a user name/);
      expect(withPassword.stderr + withPassword.stdout).not.toContain("hunter2");
      expect(withPassword.code).toBe(2);
    } finally {
      await api.stop();
    }
  });
});
