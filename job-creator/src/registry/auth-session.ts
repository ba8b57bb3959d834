import type { LimitFunction } from "p-limit";
import { UserError } from "../../../common/src/errors.js";
import type { ImageReference } from "../definitions/image-ref.js";
import { basicAuthorization, parseChallenge, type RegistryCredentials } from "./auth.js";
import { RepositoryBatches } from "./token-batches.js";
import { parseJson, type RegistryAnswer } from "./wire.js";

type Repository = Pick<ImageReference, "registry" | "repository">;

/** One GET as the client sends it: retries, timeouts and the HTML check included. */
export type RegistryGet = (
  ref: Repository,
  url: string,
  accept: string,
  authorization?: string,
) => Promise<RegistryAnswer>;

export interface AuthSessionOptions {
  readonly credentialsFor: (registry: string) => RegistryCredentials | undefined;
  /** What to tell the user when a registry refuses access, e.g. which variables to set. */
  readonly credentialHint: (registry: string) => string;
  /** The token requests' GET. */
  readonly get: RegistryGet;
  /** The run's one limit on requests in flight. */
  readonly limit: LimitFunction;
}

/** The token scope that reads a repository. */
const pullScope = (repository: string) => `repository:${repository}:pull`;
/** Where the session keeps a repository's Authorization header. */
const authorizationKey = (registry: string, repository: string) =>
  `${registry}|${pullScope(repository)}`;

/**
 * The Authorization headers of a run's registry requests: what each registry's challenge
 * asks for (bearer tokens or basic credentials), learnt once and asked for ahead, one token
 * request per batch of the repositories the run announced.
 */
export class RegistryAuthSession {
  /** The Authorization header of each `registry|scope`, once known or being asked for. */
  private readonly authorizations = new Map<string, Promise<string>>();
  /** The last WWW-Authenticate challenge of each registry. */
  private readonly challenges = new Map<string, string>();
  private readonly batches = new RepositoryBatches();

  constructor(private readonly options: AuthSessionOptions) {}

  /** The repositories the run will read: their tokens are asked for in batches. */
  expect(refs: readonly Repository[]): void {
    this.batches.expect(refs);
  }

  /**
   * What a registry's API root challenged: every announced batch's token is asked for now,
   * each in a slot of the run's limit; an image request finds it asked for (a refusal is
   * reported by the image requests, so it is not reported here).
   */
  challenged(ref: Repository, header: string): void {
    this.challenges.set(ref.registry, header);
    for (const batch of this.batches.all(ref.registry))
      void this.authorizeAhead({ ...ref, repository: batch[0]! }, header, false, true).catch(
        () => undefined,
      );
  }

  /**
   * The Authorization header to send with a request of `ref`'s repository, if any is known:
   * a registry that challenged once challenges every repository the same way, so this one's
   * is asked for before its first request.
   */
  async before(ref: Repository): Promise<string | undefined> {
    const key = authorizationKey(ref.registry, ref.repository);
    const known = this.challenges.get(ref.registry);
    if (!this.authorizations.has(key) && known) void this.authorizeAhead(ref, known, false); // awaited just below
    return this.authorizations.get(key);
  }

  /**
   * The Authorization header to send again after a 401 with `header` as its challenge. Refused
   * with an authorization: asks for this repository alone, as challenged.
   */
  afterRefusal(ref: Repository, header: string | null): Promise<string> {
    if (header) this.challenges.set(ref.registry, header);
    const key = authorizationKey(ref.registry, ref.repository);
    if (!this.authorizations.has(key)) return this.authorizeAhead(ref, header, true);
    const authorization = this.authenticate(ref, header, [pullScope(ref.repository)], false);
    this.authorizations.set(key, authorization);
    return authorization;
  }

  accessError(ref: Repository, status: number): UserError {
    const who = this.options.credentialsFor(ref.registry)
      ? "refused the credentials"
      : "needs credentials";
    return new UserError(
      `registry ${ref.registry} ${who} for ${ref.repository} (HTTP ${status}): ${this.options.credentialHint(ref.registry)}`,
    );
  }

  /**
   * Asks, from a challenge, for the authorization of `ref`'s repository and of the rest of
   * its batch (those not yet asked for), in one token request. A token that does not grant
   * a repository after all is answered 401, which asks again for it alone.
   */
  private authorizeAhead(
    ref: Repository,
    challenge: string | null,
    challengedHere: boolean,
    inSlotOfItsOwn = false,
  ): Promise<string> {
    const keyOf = (repository: string) => authorizationKey(ref.registry, repository);
    const batch = this.batches.of(ref);
    const wanted = [ref.repository, ...batch.filter((r) => r !== ref.repository)].filter(
      (r) => !this.authorizations.has(keyOf(r)),
    );
    if (wanted.length === 0) return this.authorizations.get(keyOf(ref.repository))!;
    const ask = () => this.authenticate(ref, challenge, wanted.map(pullScope), !challengedHere);
    const authorization = inSlotOfItsOwn ? this.options.limit(ask) : ask();
    for (const repository of wanted) this.authorizations.set(keyOf(repository), authorization);
    return authorization;
  }

  /**
   * The Authorization header for `scopes`. `ownScopes`: the challenge is another
   * repository's, so its scope is not asked for; otherwise it is, first (as the token
   * specification says), beside `scopes`. The token request is made in the slot of the run's
   * limit its caller holds (asking for another would deadlock a full limit).
   */
  private async authenticate(
    ref: Repository,
    header: string | null,
    scopes: readonly string[],
    ownScopes: boolean,
  ): Promise<string> {
    const challenge = parseChallenge(header);
    const credentials = this.options.credentialsFor(ref.registry);
    if (challenge?.scheme === "basic") {
      if (!credentials) throw this.accessError(ref, 401);
      return basicAuthorization(credentials);
    }
    if (challenge?.scheme !== "bearer" || !challenge.params["realm"])
      throw this.accessError(ref, 401);
    const tokenUrl = new URL(challenge.params["realm"]);
    if (challenge.params["service"])
      tokenUrl.searchParams.set("service", challenge.params["service"]);
    const challenged = challenge.params["scope"];
    for (const scope of new Set([...(!ownScopes && challenged ? [challenged] : []), ...scopes]))
      tokenUrl.searchParams.append("scope", scope);
    const answer = await this.options.get(
      ref,
      tokenUrl.href,
      "application/json",
      credentials && basicAuthorization(credentials),
    );
    if (answer.status !== 200) throw this.accessError(ref, answer.status);
    const json = parseJson(answer.body, `token from ${tokenUrl.origin}`);
    const token = json["token"] ?? json["access_token"];
    if (typeof token !== "string")
      throw new UserError(`the token service of ${ref.registry} answered without a token`);
    return `Bearer ${token}`;
  }
}
