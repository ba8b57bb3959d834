type Labels = Readonly<Record<string, string>>;

/**
 * The keys of `expected` whose value `found` does not carry: the one comparison of labels
 * (and SIF metadata) behind every "up to date" decision, for base images and containers.
 * Extra labels on the found side never count.
 */
export function differingLabels(expected: Labels, found: Labels): string[] {
  return Object.keys(expected).filter((key) => found[key] !== expected[key]);
}

/** Whether something was found carrying every label of `expected` (up to date). */
export const carriesLabels = (expected: Labels, found: Labels | undefined): boolean =>
  found !== undefined && differingLabels(expected, found).length === 0;
