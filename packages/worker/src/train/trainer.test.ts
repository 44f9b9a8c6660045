/**
 * Data-parallel arithmetic: two ranks with B sentences each end where one rank with the same 2B
 * sentences ends; replicas stay bitwise equal; a drifted replica is named. The equivalence runs
 * with SGD: Adam divides by sqrt(v), which turns float rounding differences in near-zero gradient
 * entries (sums taken in another order) into full-size steps, measured here at 2.4e-5 with
 * eps 1e-6 and 4.6e-3 with eps 1e-9 after 4 steps, so it would test Adam, not data parallelism.
 */
import { allReduceSumHook, createInMemoryGroups, type ProcessGroup } from '@orquesta/collective';
import type { Seq2SeqBatch } from '@orquesta/data';
import { selectBackend } from '@orquesta/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReplicaMismatchError } from '../errors.js';
import { batch, concat, model } from './testing/tiny-seq2seq.js';
import type { TrainerConfig } from './trainer-config.js';
import { hiddenSeconds, Trainer } from './trainer.js';

const config: TrainerConfig = {
  optimizer: { kind: 'sgd', lr: 0.1, betas: [0.9, 0.98], eps: 1e-9, weight_decay: 0, warmup_steps: 2, schedule: 'inverse_sqrt', clip_norm: 1, shard: false },
  accumulate: 1,
  labelSmoothing: 0.1,
  maxSteps: 10,
  bucketBytes: 1000,
  hook: allReduceSumHook,
};

function trainerFor(group: ProcessGroup, batches: () => Seq2SeqBatch): Trainer {
  return new Trainer(config, group, model(), async () => batches());
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('Trainer', () => {
  it('2 workers with batch B reach the parameters of 1 worker with batch 2B (within 1e-5)', async () => {
    const steps = 4;
    const [solo] = createInMemoryGroups(1);
    let soloStep = 0;
    const single = trainerFor(solo!, () => concat(batch(2 * soloStep, 3), batch(2 * soloStep++ + 1, 3)));
    await single.broadcastParameters();
    for (let s = 0; s < steps; s++) await single.trainStep();

    const groups = createInMemoryGroups(2);
    const counters = [0, 0];
    const pair = groups.map((g, rank) => trainerFor(g, () => batch(2 * counters[rank]!++ + rank, 3)));
    await Promise.all(pair.map((t) => t.broadcastParameters()));
    for (let s = 0; s < steps; s++) await Promise.all(pair.map((t) => t.trainStep()));

    let worst = 0;
    single.params.forEach((p, i) => p.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - pair[0]!.params[i]![j]!)))));
    expect(worst).toBeLessThan(1e-5);
    // the two replicas are bitwise equal
    pair[0]!.params.forEach((p, i) => expect(Buffer.compare(Buffer.from(p.buffer), Buffer.from(pair[1]!.params[i]!.buffer))).toBe(0));
    await Promise.all(pair.map((t) => t.checkReplicas()));
  });

  it('names the rank whose parameters drifted', async () => {
    const groups = createInMemoryGroups(3);
    const trainers = groups.map((g) => trainerFor(g, () => batch(1, 2)));
    await Promise.all(trainers.map((t) => t.broadcastParameters()));
    trainers[2]!.params[0]![0]! += 1e-3;
    const results = await Promise.allSettled(trainers.map((t) => t.checkReplicas()));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const error = (r as PromiseRejectedResult).reason as ReplicaMismatchError;
      expect(error).toBeInstanceOf(ReplicaMismatchError);
      expect(error.ranks).toEqual([2]);
    }
  });

  it('shares a stop request from any rank with every rank', async () => {
    const groups = createInMemoryGroups(2);
    const trainers = groups.map((g) => trainerFor(g, () => batch(1, 2)));
    await Promise.all(trainers.map((t) => t.broadcastParameters()));
    const stats = await Promise.all(trainers.map((t, rank) => t.trainStep(rank === 1)));
    expect(stats.map((s) => s.stop)).toEqual([true, true]);
  });
});

describe('hiddenSeconds', () => {
  it('counts the union of bucket intervals before the end of compute', () => {
    // Buckets queue one after another: [0, 40] and [10, 70] overlap; compute ended at 50 ms.
    expect(
      hiddenSeconds(
        [
          { startMs: 0, endMs: 40 },
          { startMs: 10, endMs: 70 },
        ],
        50,
      ),
    ).toBeCloseTo(0.05, 9);
    expect(hiddenSeconds([{ startMs: 60, endMs: 90 }], 50)).toBe(0);
    expect(hiddenSeconds([], 50)).toBe(0);
  });
});
