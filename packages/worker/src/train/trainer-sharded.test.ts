/**
 * ZeRO stage 1: a sharded run ends every step with parameters bit-identical to the unsharded run's
 * (same batches, same world size), with Adam, clipping, accumulation and fp16 on the wire; its
 * consolidated optimizer state equals the unsharded one, so checkpoints of either resume the other, also
 * at another world size.
 */
import { createInMemoryGroups, commHookFor, type Compression } from '@orquesta/collective';
import { decodeSafetensors, selectBackend, type TransformerConfig } from '@orquesta/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../checkpoint/checkpoint-codec.js';
import { batch, model } from './testing/tiny-seq2seq.js';
import type { TrainerConfig } from './trainer-config.js';
import { Trainer, type TrainerSnapshot } from './trainer.js';

function configOf(shard: boolean, compression: Compression): TrainerConfig {
  return {
    // clip_norm low enough that every step clips: the norm must agree to the last bit.
    optimizer: { kind: 'adamw', lr: 3e-3, betas: [0.9, 0.98], eps: 1e-9, weight_decay: 0.01, warmup_steps: 2, schedule: 'inverse_sqrt', clip_norm: 0.5, shard },
    accumulate: 2,
    labelSmoothing: 0.1,
    maxSteps: 10,
    bucketBytes: 2000, // many buckets, with parameters cut at chunk boundaries
    hook: commHookFor(compression, 'sum'),
    shard,
    compression,
  };
}

function trainers(worldSize: number, shard: boolean, compression: Compression): Trainer[] {
  const counters = new Array<number>(worldSize).fill(0);
  return createInMemoryGroups(worldSize, { segmentBytes: 256 }).map(
    (g, rank) => new Trainer(configOf(shard, compression), g, model(), async () => batch(3 * counters[rank]!++ + rank, 2 + rank)),
  );
}

const bytes = (arrays: readonly Float32Array[]): Buffer => Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));

async function steps(group: readonly Trainer[], count: number): Promise<number[]> {
  const norms: number[] = [];
  for (let s = 0; s < count; s++) norms.push((await Promise.all(group.map((t) => t.trainStep())))[0]!.gradNorm);
  return norms;
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('sharded optimizer (ZeRO stage 1)', () => {
  for (const [worldSize, compression] of [
    [2, 'none'],
    [3, 'none'],
    [2, 'fp16'],
  ] as const) {
    it(`${worldSize} ranks, ${compression === 'fp16' ? 'fp16' : 'float32'} on the wire: parameters bit-identical to the unsharded run's after every step`, async () => {
      const plain = trainers(worldSize, false, compression);
      const sharded = trainers(worldSize, true, compression);
      await Promise.all([...plain, ...sharded].map((t) => t.broadcastParameters()));
      for (let s = 0; s < 4; s++) {
        const [a, b] = await Promise.all([steps(plain, 1), steps(sharded, 1)]);
        expect(b).toEqual(a);
        expect(a[0]).toBeGreaterThan(0.5); // clipping is active
        for (const t of sharded) expect(bytes(t.params).equals(bytes(plain[0]!.params))).toBe(true);
      }
      await Promise.all(sharded.map((t) => t.checkReplicas()));
      // The consolidated moments are the unsharded moments.
      const [whole] = await Promise.all(sharded.map((t) => t.snapshot(t === sharded[0])));
      const reference = await plain[0]!.snapshot();
      expect(whole!.optimizer.step).toBe(reference.optimizer.step);
      expect(bytes(whole!.optimizer.m).equals(bytes(reference.optimizer.m))).toBe(true);
      expect(bytes(whole!.optimizer.v).equals(bytes(reference.optimizer.v))).toBe(true);
      expect((await Promise.all(sharded.map((t) => t.snapshot(false))))[1]!.optimizer.m).toEqual([]);
    });
  }

  it("writes the sharded run's optimizer file as it gathers; it decodes to the unsharded run's moments", async () => {
    const plain = trainers(2, false, 'none');
    const sharded = trainers(2, true, 'none');
    await Promise.all([...plain, ...sharded].map((t) => t.broadcastParameters()));
    await Promise.all([steps(plain, 2), steps(sharded, 2)]);
    const names = plain[0]!.parameterNames;
    const shapes = plain[0]!.params.map((p) => [p.length]);
    const fileOf = async (t: Trainer, keep: boolean): Promise<Buffer> => {
      const files = encodeCheckpoint(t, t.optimizerStream(keep), names, shapes, {} as TransformerConfig, {
        experiment: 'x',
        task: 'translation',
        worldSize: 2,
        data: null,
      });
      const parts: Uint8Array[] = [];
      for await (const part of files.optimizer as AsyncIterable<Uint8Array>) parts.push(part);
      return Buffer.concat(parts);
    };
    const [written] = await Promise.all(sharded.map((t, rank) => fileOf(t, rank === 0)));
    const reference = decodeSafetensors(await fileOf(plain[0]!, true));
    const decoded = decodeSafetensors(written!);
    expect([...decoded.tensors.keys()].sort()).toEqual([...reference.tensors.keys()].sort());
    for (const [name, t] of reference.tensors)
      expect(
        Buffer.from(decoded.tensors.get(name)!.data.buffer, decoded.tensors.get(name)!.data.byteOffset, t.data.byteLength).equals(
          Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
        ),
      ).toBe(true);
    expect(decoded.metadata).toEqual({ step: '2' });
  });

  it('a checkpoint of a 2-rank sharded run resumes a 3-rank sharded run exactly as an unsharded one', async () => {
    const first = trainers(2, true, 'none');
    await Promise.all(first.map((t) => t.broadcastParameters()));
    await steps(first, 3);
    const [saved] = await Promise.all(first.map((t) => t.snapshot(t === first[0])));
    const copy = (s: TrainerSnapshot): TrainerSnapshot => ({
      step: s.step,
      params: s.params.map((p) => p.slice()),
      optimizer: { step: s.optimizer.step, m: s.optimizer.m.map((m) => m.slice()), v: s.optimizer.v.map((v) => v.slice()) },
    });
    const sharded = trainers(3, true, 'none');
    const plain = trainers(3, false, 'none');
    for (const t of [...sharded, ...plain]) t.restore(copy(saved!));
    expect(sharded[0]!.step).toBe(3);
    await Promise.all([steps(sharded, 2), steps(plain, 2)]);
    for (const t of sharded) expect(bytes(t.params).equals(bytes(plain[0]!.params))).toBe(true);
  });
});
