import { createHash } from "node:crypto";
import pLimit from "p-limit";
import { UserError } from "../../../common/src/errors.js";
import {
  DEFAULT_HTTP_POLICY,
  requestWithPolicy,
  type HttpPolicy,
  type WholeAnswer,
} from "../../../common/src/http.js";
import { basicAuthorization, parseChallenge, type RegistryCredentials } from "./auth.js";
import { InputError } from "../../../common/src/errors.js";
import { parseImageReference } from "../definitions/image-ref.js";
import { ACCEPT, isUnknownError, parseJson, registryBaseUrl } from "./wire.js";

/** A repository of a registry: `registry` is host[:port]. */
export interface Repository {
  readonly registry: string;
  readonly repository: string;
}

/** The repository a configured image path names (its CI variables expanded), or bad input. */
export function repositoryOf(text: string): Repository {
  const parsed = parseImageReference(text);
  if ("error" in parsed) throw new InputError(`${text} is no image repository: ${parsed.error}`);
  return { registry: parsed.registry, repository: parsed.repository };
}

/** A manifest exactly as the registry holds it: putting these bytes back gives the same digest. */
export interface StoredManifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Buffer;
}

/**
 * What archiving and rolling back ask of a registry: tags moved by putting a manifest that
 * is already there under another name (no layer is read or written).
 */
export interface TagStore {
  tags(repo: Repository): Promise<string[]>;
  manifest(repo: Repository, reference: string): Promise<StoredManifest | undefined>;
  putManifest(repo: Repository, tag: string, manifest: StoredManifest): Promise<void>;
  /** "refused" when the registry does not allow us deletes (switched off, or no delete rights). */
  deleteManifest(repo: Repository, digest: string): Promise<"deleted" | "refused">;
}

export interface TagClientOptions {
  readonly credentialsFor: (registry: string) => RegistryCredentials | undefined;
  /** Which variables to set when a registry refuses, e.g. "set CI_REGISTRY_USER and …". */
  readonly credentialHint: (registry: string) => string;
  readonly insecureRegistries?: readonly string[];
  readonly http?: HttpPolicy;
}

type Action = "pull,push" | "pull,push,delete";

/**
 * Each named tag with the digest of the image it holds, a few requests at a time; tags gone
 * since the listing are left out.
 */
export async function withDigests<T extends { readonly name: string }>(
  tags: TagStore,
  repo: Repository,
  items: readonly T[],
): Promise<(T & { readonly digest: string })[]> {
  const limit = pLimit(8);
  const found = await Promise.all(
    items.map((item) =>
      limit(async () => ({ item, manifest: await tags.manifest(repo, item.name) })),
    ),
  );
  return found.flatMap(({ item, manifest }) =>
    manifest ? [{ ...item, digest: manifest.digest }] : [],
  );
}

/** The OCI distribution API for tags, with basic auth or bearer tokens of push scope. */
export class RegistryTagClient implements TagStore {
  private readonly authorizations = new Map<string, Promise<string | undefined>>();

  constructor(private readonly options: TagClientOptions) {}

  async tags(repo: Repository): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `tags/list?n=1000`;
    while (path) {
      const answer = await this.send(repo, "GET", path, "pull,push");
      if (answer.status === 404 && isUnknownError(answer.body)) return [];
      this.expect(answer, [200], repo, "list the tags");
      const json = parseJson(answer.body, `the tags of ${repo.repository}`);
      tags.push(...((json["tags"] as string[] | null) ?? []));
      // The next page, as `Link: </v2/…/tags/list?n=1000&last=x>; rel="next"`.
      const next = /<[^>]*\/v2\/[^>]*?\/(tags\/list\?[^>]*)>;\s*rel="?next"?/.exec(
        answer.headers.get("link") ?? "",
      );
      path = next?.[1];
    }
    return tags;
  }

  async manifest(repo: Repository, reference: string): Promise<StoredManifest | undefined> {
    const answer = await this.send(repo, "GET", `manifests/${reference}`, "pull,push");
    if (answer.status === 404 && isUnknownError(answer.body)) return undefined;
    this.expect(answer, [200], repo, `read ${reference}`);
    const digest = `sha256:${createHash("sha256").update(answer.body).digest("hex")}`;
    return {
      mediaType: (answer.headers.get("content-type") ?? "").split(";")[0]!.trim(),
      digest,
      bytes: answer.body,
    };
  }

  async putManifest(repo: Repository, tag: string, manifest: StoredManifest): Promise<void> {
    const answer = await this.send(repo, "PUT", `manifests/${tag}`, "pull,push", manifest);
    this.expect(answer, [200, 201], repo, `put ${manifest.digest} under ${tag}`);
  }

  async deleteManifest(repo: Repository, digest: string): Promise<"deleted" | "refused"> {
    const answer = await this.send(repo, "DELETE", `manifests/${digest}`, "pull,push,delete");
    // 404: gone already (deleted with another tag of the same image).
    if ([200, 202, 404].includes(answer.status)) return "deleted";
    // Deletes switched off (405, UNSUPPORTED), or not ours to make: a token without the
    // delete scope is answered 401 even after the challenge (GitLab's job token), or 403.
    if ([400, 401, 403, 405].includes(answer.status) || /UNSUPPORTED/.test(answer.body.toString()))
      return "refused";
    this.expect(answer, [202], repo, `delete ${digest}`);
    return "deleted";
  }

  private expect(
    answer: { status: number; body: Buffer },
    ok: readonly number[],
    repo: Repository,
    what: string,
  ): void {
    if (ok.includes(answer.status)) return;
    if (answer.status === 401 || answer.status === 403)
      throw new UserError(
        `registry ${repo.registry} refused to let us ${what} in ${repo.repository} (HTTP ${answer.status}): ${this.options.credentialHint(repo.registry)}`,
      );
    throw new UserError(
      `registry ${repo.registry} answered HTTP ${answer.status} when asked to ${what} in ${repo.repository}: ${answer.body.toString("utf8").slice(0, 300)}`,
    );
  }

  /** One request; on a challenge, the authorization it asks for, then once more. */
  private async send(
    repo: Repository,
    method: string,
    path: string,
    actions: Action,
    manifest?: StoredManifest,
  ): Promise<WholeAnswer> {
    const key = `${repo.registry}|${repo.repository}|${actions}`;
    const url = `${registryBaseUrl(repo.registry, this.options.insecureRegistries)}/v2/${repo.repository}/${path}`;
    const attempt = (authorization: string | undefined) =>
      requestWithPolicy(
        url,
        {
          method,
          headers: {
            accept: ACCEPT,
            ...(authorization ? { authorization } : {}),
            ...(manifest ? { "content-type": manifest.mediaType } : {}),
          },
          ...(manifest ? { body: manifest.bytes } : {}),
        },
        this.options.http ?? DEFAULT_HTTP_POLICY,
        `${method} ${repo.repository} on registry ${repo.registry}`,
      );
    let answer = await attempt(await this.authorizations.get(key));
    if (answer.status === 401) {
      const authorization = this.authenticate(
        repo,
        answer.headers.get("www-authenticate"),
        actions,
      );
      this.authorizations.set(key, authorization);
      answer = await attempt(await authorization);
    }
    return answer;
  }

  private async authenticate(
    repo: Repository,
    header: string | null,
    actions: Action,
  ): Promise<string | undefined> {
    const challenge = parseChallenge(header);
    const credentials = this.options.credentialsFor(repo.registry);
    if (challenge?.scheme === "basic") return credentials && basicAuthorization(credentials);
    if (challenge?.scheme !== "bearer" || !challenge.params["realm"]) return undefined;
    const tokenUrl = new URL(challenge.params["realm"]);
    if (challenge.params["service"])
      tokenUrl.searchParams.set("service", challenge.params["service"]);
    tokenUrl.searchParams.set("scope", `repository:${repo.repository}:${actions}`);
    const answer = await requestWithPolicy(
      tokenUrl,
      { headers: credentials ? { authorization: basicAuthorization(credentials) } : {} },
      this.options.http ?? DEFAULT_HTTP_POLICY,
      `get a token for ${repo.repository} from registry ${repo.registry}`,
    );
    if (answer.status !== 200) return undefined;
    const json = parseJson(answer.body, `token of ${repo.registry}`);
    const token = json["token"] ?? json["access_token"];
    return typeof token === "string" ? `Bearer ${token}` : undefined;
  }
}
