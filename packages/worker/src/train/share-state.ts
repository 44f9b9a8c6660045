/**
 * Peer recovery: a rank died, the others kept their state. Every rank of the new group (the survivors
 * and the replacements, which hold nothing yet) calls `shareState`:
 *   1. all-gather (holds state?, step) from every rank,
 *   2. the source is the lowest rank among those at the highest step (a rank may have finished the
 *      interrupted step's all-reduce before the failure reached it: its state is that step's, and
 *      correct, so everyone takes it),
 *   3. broadcast from the source: the data iterator's position (JSON, one byte per element), then the
 *      parameters and the optimizer's moments and step in one packed tensor,
 *   4. every rank but the source loads them; the next step is the interrupted one, redone by all.
 * The broadcast moves bytes unchanged, so every rank then holds the source's exact bits.
 */
import type { ProcessGroup } from '@orquesta/collective';
import { PeerRecoveryError } from '../errors.js';
import type { TrainerSnapshot } from './trainer.js';

/** What recovery needs from the trainer (see Trainer). */
export interface RecoveringTrainer {
  readonly step: number;
  readonly params: readonly Float32Array[];
  snapshot(): Promise<TrainerSnapshot>;
  restore(snapshot: TrainerSnapshot): void;
}

/** What recovery needs from the training data (see TrainingData). */
export interface RecoveringData {
  state(): unknown;
  restore(state: unknown): void;
}

export interface SharedState {
  /** The step every rank now holds. */
  readonly step: number;
  /** The rank whose state everyone took. */
  readonly source: number;
  /** Ranks that held no state (the replacements). */
  readonly replaced: readonly number[];
}

/** @throws {PeerRecoveryError} no rank holds state. @throws {CollectiveError} the group failed again. */
export async function shareState(group: ProcessGroup, trainer: RecoveringTrainer, data: RecoveringData, holdsState: boolean): Promise<SharedState> {
  const all = await group.allGather(Float32Array.of(holdsState ? 1 : 0, holdsState ? trainer.step : 0)); // [N][2]
  const holders = all.flatMap((v, rank) => (v[0] === 1 ? [{ rank, step: v[1]! }] : []));
  const replaced = all.flatMap((v, rank) => (v[0] === 1 ? [] : [rank]));
  if (holders.length === 0) throw new PeerRecoveryError(`no rank of ${all.length} holds the training state: every rank was replaced`);
  const step = Math.max(...holders.map((h) => h.step));
  const source = Math.min(...holders.filter((h) => h.step === step).map((h) => h.rank));
  const mine = group.rank === source;

  const position = mine ? new TextEncoder().encode(JSON.stringify(data.state())) : new Uint8Array(0);
  const length = await group.broadcast(Float32Array.of(position.length), source);
  const bytes = await group.broadcast(mine ? Float32Array.from(position) : new Float32Array(length[0]!), source);

  // Every rank knows the shapes: its own (live, unsharded) state has them; sgd has no moments.
  const local = await trainer.snapshot();
  const lists = [local.params, local.optimizer.m, local.optimizer.v];
  const packed = new Float32Array(1 + lists.flat().reduce((n, a) => n + a.length, 0)); // [optimizer step | params | m | v]
  if (mine) {
    packed[0] = local.optimizer.step;
    let offset = 1;
    for (const a of lists.flat()) {
      packed.set(a, offset);
      offset += a.length;
    }
  }
  await group.broadcast(packed, source);
  if (!mine) {
    let offset = 1;
    const [params, m, v] = lists.map((list) =>
      list.map((a) => {
        const part = packed.subarray(offset, offset + a.length);
        offset += a.length;
        return part;
      }),
    ) as [Float32Array[], Float32Array[], Float32Array[]];
    trainer.restore({ step, params, optimizer: { step: packed[0]!, m, v } });
    data.restore(JSON.parse(new TextDecoder().decode(Uint8Array.from(bytes))));
  }
  return { step, source, replaced };
}
