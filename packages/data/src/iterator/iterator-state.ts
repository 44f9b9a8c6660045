import { IteratorStateError } from '../errors.js';

/**
 * Where a batch iterator stands, as plain JSON for checkpoints. All ranks advance in lockstep
 * (equal batches per epoch), so one state serves every rank of the run.
 *
 * The shuffle generator is re-seeded from (seed, epoch) at the start of every epoch, so `seed`
 * and `epoch` are its complete state; nothing else is random.
 */
export interface BatchIteratorState {
  readonly version: 1;
  /** Data-order seed (spec `training.seed`). */
  readonly seed: number;
  /** 0-based epoch of the next batch. */
  readonly epoch: number;
  /** Batches each rank has taken from that epoch, 0..batchesPerRank. */
  readonly position: number;
  /** Ranks sharing the epoch (N); a state does not carry over to another N. */
  readonly worldSize: number;
  /** Identity of the corpus and batching options the state was taken with. */
  readonly fingerprint: string;
}

/** Checks the shape of a parsed state. Throws IteratorStateError naming the bad field. */
export function parseIteratorState(value: unknown): BatchIteratorState {
  if (typeof value !== 'object' || value === null) throw new IteratorStateError('an iterator state is a JSON object');
  const v = value as Record<string, unknown>;
  if (v['version'] !== 1) throw new IteratorStateError(`state version ${JSON.stringify(v['version'])} is not supported; expected 1`);
  const whole = (field: string, min: number): number => {
    const x = v[field];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min)
      throw new IteratorStateError(`state.${field} is ${JSON.stringify(x)}; expected an integer >= ${min}`);
    return x;
  };
  const fp = v['fingerprint'];
  if (typeof fp !== 'string') throw new IteratorStateError('state.fingerprint must be a string');
  return { version: 1, seed: whole('seed', 0), epoch: whole('epoch', 0), position: whole('position', 0), worldSize: whole('worldSize', 1), fingerprint: fp };
}
