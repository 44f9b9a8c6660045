/** Jobs by state, queue length and each agent's free and used slots, for the cluster metrics. */
import type { ClusterSnapshot } from '@orquesta/telemetry';
import { ACTIVE_STATES, JOB_STATE } from '../jobs/job-state.js';
import type { AgentView } from '../scheduler/cluster-view.js';
import type { TrialRow } from '../store/rows.js';

export function clusterSnapshot(trials: readonly TrialRow[], agents: readonly AgentView[]): ClusterSnapshot {
  const jobs: Record<string, number> = Object.fromEntries(Object.values(JOB_STATE).map((s) => [s, 0]));
  for (const t of trials) jobs[t.state] = (jobs[t.state] ?? 0) + 1;
  const active = trials.filter((t) => ACTIVE_STATES.includes(t.state));
  return {
    jobs,
    queueLength: (jobs['queued'] ?? 0) + (jobs['preempted'] ?? 0),
    agents: agents.map((a) => {
      const used = new Set(active.flatMap((t) => (t.placement?.workers ?? []).filter((w) => w.agent === a.id).flatMap((w) => w.slots))).size;
      return { id: a.id, free: a.slots - used, used };
    }),
  };
}
