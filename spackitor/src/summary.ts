import type { Decision, Plan } from "./plan.js";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The keep/delete summary by reason, as spack's prune prints it. */
export function formatSummary(
  plan: Plan,
  otherStrategy: { name: string; deletes: number },
  strategy: string,
): string[] {
  const lines: string[] = [];
  const deleted = plan.decisions.filter((d) => d.action === "delete");
  const bytes = deleted.reduce((s, d) => s + d.size, 0);
  lines.push(
    `plan (dependents: ${strategy}): delete ${deleted.length} objects (${mb(bytes)}), keep ${plan.decisions.length - deleted.length}`,
  );
  for (const [action, reasons] of groupByReason(plan.decisions)) {
    for (const [reason, { count, size }] of reasons)
      lines.push(
        `  ${action.padEnd(6)} ${String(count).padStart(6)}  ${mb(size).padStart(10)}  ${reason}`,
      );
  }
  lines.push(`with --dependents ${otherStrategy.name}: delete ${otherStrategy.deletes} objects`);
  if (plan.conflicts.length > 0) {
    lines.push(
      `conflicts: ${plan.conflicts.length} specs would have been deleted but a spec in a lock file needs them; kept:`,
    );
    for (const c of plan.conflicts.slice(0, 20))
      lines.push(`  ${c.kept} (needed by ${c.neededBy})`);
    if (plan.conflicts.length > 20)
      lines.push(`  … and ${plan.conflicts.length - 20} more (see --json)`);
  }
  return lines;
}

function groupByReason(
  decisions: readonly Decision[],
): Map<string, Map<string, { count: number; size: number }>> {
  const groups = new Map<string, Map<string, { count: number; size: number }>>();
  for (const d of [...decisions].sort(
    (a, b) => a.action.localeCompare(b.action) || a.reason.localeCompare(b.reason),
  )) {
    const byReason = groups.get(d.action) ?? new Map<string, { count: number; size: number }>();
    groups.set(d.action, byReason);
    const entry = byReason.get(d.reason) ?? { count: 0, size: 0 };
    byReason.set(d.reason, { count: entry.count + 1, size: entry.size + d.size });
  }
  return groups;
}
