import { text } from "../../../common/src/mapping.js";
import { createHash } from "node:crypto";
import pLimit, { type LimitFunction } from "p-limit";
import { UserError } from "../../../common/src/errors.js";
import {
  DEFAULT_HTTP_POLICY,
  requestWithPolicy,
  type HttpPolicy,
} from "../../../common/src/http.js";
import { redactUrl } from "../../../common/src/redact.js";
import type { ImageReference } from "../definitions/image-ref.js";
import type { RegistryCredentials } from "./auth.js";
import { RegistryAuthSession } from "./auth-session.js";
import {
  ACCEPT,
  describe,
  INDEX_TYPES,
  isUnknownError,
  matchesDigest,
  parseJson,
  registryBaseUrl,
  type RegistryAnswer,
} from "./wire.js";
import type { ArchImage, ImageAbsence, ImageRegistry } from "./types.js";

export interface OciClientOptions {
  readonly credentialsFor: (registry: string) => RegistryCredentials | undefined;
  /** What to tell the user when a registry refuses access, e.g. which variables to set. */
  readonly credentialHint: (registry: string) => string;
  /** Registries spoken to over plain HTTP; loopback hosts always are (as Docker does). */
  readonly insecureRegistries?: readonly string[];
  /** Timeouts and retries (the one retry layer: `requestWithPolicy`). */
  readonly http?: HttpPolicy;
  /**
   * The run's one limit on requests in flight, shared with the other services of the run
   * (default: its own limit of DEFAULT_CONCURRENCY).
   */
  readonly limit?: LimitFunction;
}

/** Requests in flight at once, for a whole run, unless configured (--concurrency). */
export const DEFAULT_CONCURRENCY = 32;

/** A client of the OCI distribution HTTP API, with bearer-token and basic auth. */
export class OciRegistryClient implements ImageRegistry {
  /** Each registry's first request: the others wait for it, so that one challenge teaches all. */
  private readonly firstContacts = new Map<string, Promise<unknown>>();
  /**
   * Config blobs by digest, read or being read: content-addressed and checked against their
   * digest, so the publish copy of an image (same config) costs no second request.
   */
  private readonly configs = new Map<string, Promise<Record<string, unknown>>>();
  private readonly limit: LimitFunction;
  private readonly auth: RegistryAuthSession;

  constructor(private readonly options: OciClientOptions) {
    this.limit = options.limit ?? pLimit(DEFAULT_CONCURRENCY);
    this.auth = new RegistryAuthSession({
      credentialsFor: options.credentialsFor,
      credentialHint: options.credentialHint,
      get: (ref, url, accept, authorization) =>
        this.fetchWithRetry(ref, url, accept, authorization),
      limit: this.limit,
    });
  }

  /**
   * Says which repositories the run will read, so that a registry asking for bearer tokens
   * is asked once per batch of them instead of once per repository.
   */
  expectRepositories(refs: readonly Pick<ImageReference, "registry" | "repository">[]): void {
    this.auth.expect(refs);
    // Each registry is first contacted now, before any image is asked for: what its API root
    // answers says whether and how it wants tokens, so the first images find that known.
    for (const ref of refs)
      if (!this.firstContacts.has(ref.registry))
        this.firstContacts.set(ref.registry, this.ping(ref));
  }

  /**
   * `GET /v2/`, the API root: a registry that wants credentials challenges here (realm and
   * service) as it would for a repository. Whatever else it answers teaches nothing; the
   * image requests then meet and report it themselves.
   */
  private async ping(ref: Pick<ImageReference, "registry" | "repository">): Promise<void> {
    // One attempt: the image requests wait for it, and retry on their own.
    const once = { ...(this.options.http ?? DEFAULT_HTTP_POLICY), budgetMs: 0 };
    const answer = await this.limit(() =>
      this.fetchWithRetry(
        ref,
        `${this.baseUrl(ref.registry)}/v2/`,
        "application/json",
        undefined,
        once,
      ),
    ).catch(() => undefined);
    const header = answer?.status === 401 ? answer.headers.get("www-authenticate") : null;
    // No challenge (an open API root): the next image request goes alone, as without a ping.
    if (!header) {
      this.firstContacts.delete(ref.registry);
      return;
    }
    this.auth.challenged(ref, header);
  }

  async imageFor(ref: ImageReference, arch: string): Promise<ArchImage | ImageAbsence> {
    const top = await this.getManifest(ref, ref.digest ?? ref.tag ?? "latest");
    if (!top) return { missing: "reference" };
    let manifest = top;
    if (INDEX_TYPES.includes(top.mediaType)) {
      const entries = (top.json["manifests"] ?? []) as {
        digest: string;
        platform?: { os?: string; architecture?: string };
      }[];
      const platforms = entries.filter((m) => m.platform && m.platform.architecture !== "unknown");
      const entry = platforms.find(
        (m) => m.platform?.architecture === arch && (m.platform.os ?? "linux") === "linux",
      );
      if (!entry)
        return {
          missing: "arch",
          available: platforms.map((m) => m.platform!.architecture ?? "?"),
        };
      const child = await this.getManifest(ref, entry.digest);
      if (!child)
        throw new UserError(
          `${describe(ref)}: the index lists ${entry.digest}, which the registry does not have`,
        );
      manifest = child;
    }
    const configDigest = (manifest.json["config"] as { digest?: string } | undefined)?.digest;
    if (!configDigest)
      throw new UserError(`${describe(ref)}: manifest ${manifest.digest} has no config blob`);
    const config = await this.configBlob(ref, configDigest);
    const architecture = text(config["architecture"]);
    if (architecture !== arch) return { missing: "arch", available: [architecture] };
    const labels =
      (config["config"] as { Labels?: Record<string, string> } | undefined)?.Labels ?? {};
    return { digest: manifest.digest, architecture, os: text(config["os"]), labels };
  }

  async digestOf(ref: ImageReference): Promise<string | undefined> {
    return (await this.getManifest(ref, ref.digest ?? ref.tag ?? "latest"))?.digest;
  }

  private async getManifest(ref: ImageReference, reference: string) {
    const answer = await this.request(ref, `manifests/${reference}`, ACCEPT);
    if (answer.status === 404) return undefined;
    const mediaType = (answer.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const digest =
      answer.headers.get("docker-content-digest") ??
      `sha256:${createHash("sha256").update(answer.body).digest("hex")}`;
    return {
      mediaType,
      digest,
      json: parseJson(answer.body, `${describe(ref)} manifest ${reference}`),
    };
  }

  /** A config blob, read once per digest for the run; a failed read is not kept. */
  private configBlob(ref: ImageReference, digest: string): Promise<Record<string, unknown>> {
    const known = this.configs.get(digest);
    // Another repository's read failed (absent there, refused): this one asks its own.
    if (known) return known.catch(() => this.getConfigBlob(ref, digest));
    const read = this.getConfigBlob(ref, digest);
    this.configs.set(digest, read);
    read.catch(() => this.configs.delete(digest));
    return read;
  }

  private async getConfigBlob(
    ref: ImageReference,
    digest: string,
  ): Promise<Record<string, unknown>> {
    const answer = await this.request(ref, `blobs/${digest}`, "*/*");
    if (answer.status === 404)
      throw new UserError(`${describe(ref)}: config blob ${digest} is missing from the registry`);
    if (!matchesDigest(answer.body, digest))
      throw new UserError(
        `${describe(ref)}: the registry's config blob ${digest} does not match its digest`,
      );
    return parseJson(answer.body, `${describe(ref)} config ${digest}`);
  }

  /**
   * One GET with retries on transient failures and one round of authentication. A
   * registry's first request goes alone: the others wait for what its challenge says.
   */
  private async request(
    ref: ImageReference,
    path: string,
    accept: string,
  ): Promise<RegistryAnswer> {
    const first = this.firstContacts.get(ref.registry);
    if (!first) {
      const answer = this.limit(() => this.send(ref, path, accept));
      this.firstContacts.set(
        ref.registry,
        answer.catch(() => undefined),
      );
      return answer;
    }
    await first;
    return this.limit(() => this.send(ref, path, accept));
  }

  private async send(ref: ImageReference, path: string, accept: string): Promise<RegistryAnswer> {
    const url = `${this.baseUrl(ref.registry)}/v2/${ref.repository}/${path}`;
    let answer = await this.fetchWithRetry(ref, url, accept, await this.auth.before(ref));
    if (answer.status === 401) {
      const authorization = this.auth.afterRefusal(ref, answer.headers.get("www-authenticate"));
      answer = await this.fetchWithRetry(ref, url, accept, await authorization);
    }
    if (answer.status === 401 || answer.status === 403)
      throw this.auth.accessError(ref, answer.status);
    if (answer.status >= 400 && answer.status !== 404) {
      throw new UserError(
        `registry ${ref.registry} answered ${answer.status} for ${ref.repository}/${path}: ${answer.body.toString("utf8").slice(0, 300)}`,
      );
    }
    if (answer.status === 404 && !isUnknownError(answer.body)) {
      throw new UserError(
        `registry ${ref.registry} answered 404 for ${ref.repository}/${path} without saying the image is unknown: is ${this.baseUrl(ref.registry)} a registry?`,
      );
    }
    return answer;
  }

  private async fetchWithRetry(
    ref: Pick<ImageReference, "registry" | "repository">,
    url: string,
    accept: string,
    authorization?: string,
    policy: HttpPolicy = this.options.http ?? DEFAULT_HTTP_POLICY,
  ): Promise<RegistryAnswer> {
    try {
      const answer = await requestWithPolicy(
        url,
        { headers: { accept, ...(authorization ? { authorization } : {}) } },
        policy,
        `read ${ref.repository} from registry ${ref.registry}`,
      );
      const type = answer.headers.get("content-type") ?? "";
      if (answer.status >= 200 && answer.status < 300 && /text\/html/i.test(type))
        throw new UserError(
          `${redactUrl(url)} answered HTTP ${answer.status} with an HTML page, not the registry API: is ${ref.registry} a registry (not a login page or a proxy)?`,
        );
      return answer;
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw new UserError(
        `${error.message}; no image is rebuilt on a guess: retry later, or use --offline to plan without the registry`,
        { cause: error },
      );
    }
  }

  private baseUrl(registry: string): string {
    return registryBaseUrl(registry, this.options.insecureRegistries);
  }
}
