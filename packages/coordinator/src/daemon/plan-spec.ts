/** `orquesta plan` against the coordinator: where a spec's gang would go on today's free slots, without queueing it. */
import { parseSpecText } from '@orquesta/spec';
import { ACTIVE_STATES } from '../jobs/job-state.js';
import type { AgentView } from '../scheduler/cluster-view.js';
import { planPlacement } from '../scheduler/plan-placement.js';
import type { Store } from '../store/store.js';
import type { PlanResult } from './coordinator-types.js';

/** @param options.workers overrides the spec's worker count; baseDir resolves its relative paths. Never throws for a bad spec. */
export function planSpec(
  store: Store,
  agents: readonly AgentView[],
  specYaml: string,
  source: string,
  options: { workers?: number; baseDir?: string },
): PlanResult {
  const loaded = parseSpecText(specYaml, source, options.baseDir === undefined ? {} : { baseDir: options.baseDir });
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const spec = loaded.spec;
  const workers = options.workers ?? spec.resources.workers;
  const slotsPerWorker = spec.resources.slots_per_worker;
  const busy = store.trialsIn(ACTIVE_STATES).flatMap((t) => (t.placement ? [t.placement] : []));
  return { ok: true, spec, workers, slotsPerWorker, ...planPlacement(workers, slotsPerWorker, [...agents], busy) };
}
