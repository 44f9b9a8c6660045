/** Whether a rank's gradients go through sockets (some peers on other hosts, or shared memory turned off): such ranks get the recommended node flags. */
import type { ExperimentSpec, RankAssignment } from '@orquesta/protocol';

export function usesSockets(a: Pick<RankAssignment, 'localWorldSize' | 'worldSize'>, spec: Pick<ExperimentSpec, 'collective'>): boolean {
  return a.localWorldSize < a.worldSize || spec.collective.shared_memory === 'off';
}
