import { groupBy } from "../../../common/src/group-by.js";
import type { ImageReference } from "../definitions/image-ref.js";

/**
 * Repositories one bearer token is asked for, when the run said which it will read: token
 * services grant every `scope` a request names (the distribution spec; GitLab since 11.1),
 * and 25 keep the token, sent with every request, a few KiB.
 */
export const SCOPES_PER_TOKEN = 25;

type Repository = Pick<ImageReference, "registry" | "repository">;

/** The repositories a run will read, per registry, in token-sized batches. */
export class RepositoryBatches {
  private readonly byRegistry = new Map<string, Map<string, readonly string[]>>();

  /** Adds repositories, in order; one already known keeps its batch. */
  expect(refs: readonly Repository[]): void {
    for (const [registry, group] of groupBy(refs, (r) => r.registry)) {
      const batches = this.byRegistry.get(registry) ?? new Map<string, readonly string[]>();
      const fresh = [...new Set(group.map((r) => r.repository))].filter((r) => !batches.has(r));
      for (let i = 0; i < fresh.length; i += SCOPES_PER_TOKEN) {
        const batch = fresh.slice(i, i + SCOPES_PER_TOKEN);
        for (const repository of batch) batches.set(repository, batch);
      }
      this.byRegistry.set(registry, batches);
    }
  }

  /** Every batch of `registry`'s announced repositories, in order. */
  all(registry: string): (readonly string[])[] {
    return [...new Set(this.byRegistry.get(registry)?.values())];
  }

  /** The batch of `ref`'s repository: itself alone when the run did not announce it. */
  of(ref: Repository): readonly string[] {
    return this.byRegistry.get(ref.registry)?.get(ref.repository) ?? [ref.repository];
  }
}
