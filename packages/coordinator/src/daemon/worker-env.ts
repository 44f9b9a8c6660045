/** The rank contract the coordinator hands each placed worker (torchrun's names where it has one). */
import { ENV, type WorkerLaunch } from '@orquesta/protocol';
import type { AgentView, Placement } from '../scheduler/cluster-view.js';
import type { RunCurveKeys } from './run-curve-keys.js';

/**
 * @param curve per-rank CURVE key pairs when the gang spans hosts (its gradients leave the machine),
 *   else undefined.
 */
export function workerLaunches(run: string, placement: Placement, agents: readonly AgentView[], curve?: RunCurveKeys): Map<string, WorkerLaunch[]> {
  const peers = placement.workers.map((w) => `tcp://${w.host}:${w.port}`).join(',');
  const byAgent = new Map<string, WorkerLaunch[]>();
  for (const w of placement.workers) {
    const agent = agents.find((a) => a.id === w.agent);
    const env: Record<string, string> = {
      [ENV.rank]: String(w.rank),
      [ENV.worldSize]: String(placement.workers.length),
      [ENV.localRank]: String(w.localRank),
      [ENV.localWorldSize]: String(w.localWorldSize),
      [ENV.peers]: peers,
      [ENV.run]: run,
      ...(curve ? { [ENV.curvePublicKeys]: curve.publicKeys.join(','), [ENV.curveSecretKey]: curve.secretKeys[w.rank] ?? '' } : {}),
    };
    if (agent && agent.gpus.length > 0) env[ENV.cudaVisibleDevices] = w.slots.map((s) => agent.gpus[s] ?? String(s)).join(',');
    const list = byAgent.get(w.agent) ?? [];
    list.push({ rank: w.rank, env });
    byAgent.set(w.agent, list);
  }
  return byAgent;
}
