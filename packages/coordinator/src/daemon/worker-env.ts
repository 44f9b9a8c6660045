/** The rank contract the coordinator hands each placed worker (torchrun's names where it has one). */
import { rankEnv, type WorkerLaunch } from '@orquesta/protocol';
import type { AgentView, Placement } from '../scheduler/cluster-view.js';
import { endpointsOf } from './replacement-slot.js';
import type { RunCurveKeys } from './run-curve-keys.js';

/**
 * @param curve per-rank CURVE key pairs when the gang spans hosts (its gradients leave the machine),
 *   else undefined.
 * @param peerRecovery the coordinator orchestrates peer recovery for this run (fault_tolerance.recovery peer).
 */
export function workerLaunches(
  run: string,
  placement: Placement,
  agents: readonly AgentView[],
  curve?: RunCurveKeys,
  peerRecovery = false,
): Map<string, WorkerLaunch[]> {
  const peers = endpointsOf(placement);
  const byAgent = new Map<string, WorkerLaunch[]>();
  for (const w of placement.workers) {
    const devices = visibleDevices(
      agents.find((a) => a.id === w.agent),
      w.slots,
    );
    const env = rankEnv({
      rank: w.rank,
      worldSize: placement.workers.length,
      localRank: w.localRank,
      localWorldSize: w.localWorldSize,
      peers,
      run,
      ...(curve ? { curve: { publicKeys: curve.publicKeys, secretKey: curve.secretKeys[w.rank] ?? '' } } : {}),
      ...(devices === undefined ? {} : { cudaVisibleDevices: devices }),
      ...(peerRecovery ? { peerRecovery } : {}),
    });
    const list = byAgent.get(w.agent) ?? [];
    list.push({ rank: w.rank, env });
    byAgent.set(w.agent, list);
  }
  return byAgent;
}

/** CUDA_VISIBLE_DEVICES for a worker on `slots` of `agent`: its GPU ids, or undefined on a CPU agent. */
export function visibleDevices(agent: AgentView | undefined, slots: readonly number[]): string | undefined {
  return agent && agent.gpus.length > 0 ? slots.map((s) => agent.gpus[s] ?? String(s)).join(',') : undefined;
}
