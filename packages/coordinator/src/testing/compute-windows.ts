import type { FakeProcess } from '@orquesta/launch';
import type { InMemoryCluster } from './in-memory-cluster.js';

/**
 * Every 5 s of the fake clock from `from` to `until` (ms), each of `procs` (by rank) reports a timing
 * window of 5 steps that took `seconds(rank, t)` of compute: what the straggler watch scores.
 */
export async function reportComputeWindows(
  cluster: InMemoryCluster,
  procs: readonly FakeProcess[],
  seconds: (rank: number, t: number) => number,
  { from = 0, until = 60_000, firstStep = 0 } = {},
): Promise<void> {
  for (let t = from, step = firstStep; t <= until; t += 5_000, step += 5) {
    procs.forEach((p, rank) =>
      p.report({
        v: 1,
        type: 'timing',
        rank,
        step,
        seconds: { data: 0, compute: 1, allReduce: 0, optimizer: 0 },
        computeWindow: { steps: 5, seconds: seconds(rank, t) },
      }),
    );
    await cluster.advance(5_000);
  }
}
