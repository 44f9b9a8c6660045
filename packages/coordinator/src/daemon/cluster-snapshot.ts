/** Jobs by state, queue length and each agent's free and used slots, for the cluster metrics. */
import type { ClusterSnapshot } from '@orquesta/telemetry';
import { JOB_STATE } from '../jobs/job-state.js';
import type { AgentView } from '../scheduler/cluster-view.js';
import type { SchedulingRow } from '../store/rows.js';

/**
 * @param counts trials by state.
 * @param active the active trials (their placements hold the used slots).
 */
export function clusterSnapshot(
  counts: Readonly<Record<string, number>>,
  active: readonly Pick<SchedulingRow, 'placement'>[],
  agents: readonly AgentView[],
): ClusterSnapshot {
  const jobs: Record<string, number> = Object.fromEntries(Object.values(JOB_STATE).map((s) => [s, counts[s] ?? 0]));
  // Used slots by agent, in one sweep over the placements.
  const used = new Map<string, Set<number>>();
  for (const t of active)
    for (const w of t.placement?.workers ?? []) {
      let slots = used.get(w.agent);
      if (!slots) used.set(w.agent, (slots = new Set()));
      for (const s of w.slots) slots.add(s);
    }
  return {
    jobs,
    queueLength: (jobs['queued'] ?? 0) + (jobs['preempted'] ?? 0),
    agents: agents.map((a) => {
      const n = used.get(a.id)?.size ?? 0;
      return { id: a.id, free: a.slots - n, used: n };
    }),
  };
}
