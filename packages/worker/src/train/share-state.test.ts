import { createInMemoryGroups } from '@orquesta/collective';
import { describe, expect, it } from 'vitest';
import { PeerRecoveryError } from '../errors.js';
import { shareState, type RecoveringData, type RecoveringTrainer } from './share-state.js';
import type { TrainerSnapshot } from './trainer.js';

/** A trainer holding two parameter tensors and Adam moments, all filled with `fill`. */
function fakeTrainer(step: number, fill: number): RecoveringTrainer & { restored: TrainerSnapshot | undefined } {
  const make = () => [new Float32Array(3).fill(fill), new Float32Array(2).fill(fill + 0.5)];
  const t = {
    step,
    params: make(),
    restored: undefined as TrainerSnapshot | undefined,
    snapshot: async (): Promise<TrainerSnapshot> => ({ step: t.step, params: t.params, optimizer: { step: t.step, m: make(), v: make() } }),
    restore(s: TrainerSnapshot) {
      t.restored = s;
      t.step = s.step;
    },
  };
  return t;
}

const fakeData = (position: number): RecoveringData & { position: number } => {
  const d = {
    position,
    state: () => ({ version: 1, position: d.position }),
    restore: (s: unknown) => void (d.position = (s as { position: number }).position),
  };
  return d;
};

describe('shareState', () => {
  it("gives every rank the lowest rank's state among those at the highest step, bit for bit", async () => {
    const groups = createInMemoryGroups(3);
    const trainers = [fakeTrainer(7, 1.1), fakeTrainer(8, 2.2), fakeTrainer(0, 0)];
    const data = [fakeData(70), fakeData(80), fakeData(0)];
    const holds = [true, true, false];
    const shared = await Promise.all(groups.map((g, r) => shareState(g, trainers[r]!, data[r]!, holds[r]!)));
    for (const s of shared) expect(s).toEqual({ step: 8, source: 1, replaced: [2] });
    expect(trainers[1]!.restored).toBeUndefined(); // the source keeps its own state
    for (const r of [0, 2]) {
      const got = trainers[r]!.restored!;
      expect(got.step).toBe(8);
      expect(got.params.map((p) => [...p])).toEqual([[...new Float32Array(3).fill(2.2)], [...new Float32Array(2).fill(2.7)]]);
      expect(got.optimizer.step).toBe(8);
      expect([...got.optimizer.v[1]!]).toEqual([...new Float32Array(2).fill(2.7)]);
      expect(data[r]!.position).toBe(80);
    }
    await Promise.all(groups.map((g) => g.close()));
  });

  it('refuses when no rank holds state', async () => {
    const groups = createInMemoryGroups(2);
    const results = await Promise.allSettled(groups.map((g) => shareState(g, fakeTrainer(0, 0), fakeData(0), false)));
    for (const r of results) expect(r.status === 'rejected' && r.reason).toBeInstanceOf(PeerRecoveryError);
    await Promise.all(groups.map((g) => g.close()));
  });
});
