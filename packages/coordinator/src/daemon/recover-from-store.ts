/**
 * A coordinator starting on an existing store: its active trials (their runs are followed again),
 * agents marked alive get a fresh heartbeat time (they must still say hello to this process), and a
 * `recover` event says how many trials wait for their agents.
 */
import { ACTIVE_STATES } from '../jobs/job-state.js';
import type { TrialRow } from '../store/rows.js';
import type { Store } from '../store/store.js';

export function recoverFromStore(store: Store, now: number): TrialRow[] {
  const active = store.trialsIn(ACTIVE_STATES);
  for (const agent of store.agents()) if (agent.state === 'alive') store.setAgentState(agent.id, 'alive', now);
  if (active.length > 0) {
    const message = `coordinator started with ${active.length} active trial(s); waiting for their agents`;
    store.addEvent({ experimentId: null, trialId: null, kind: 'recover', message });
  }
  return active;
}
