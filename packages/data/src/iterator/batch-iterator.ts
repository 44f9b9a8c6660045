/**
 * The endless, resumable batch sequence of one rank.
 *   1. At the start of epoch e, seed a generator from (seed, e) and let the planner lay out
 *      the epoch's batches (identical on every rank).
 *   2. Give this rank batches rank, rank + N, ... of that plan, one per `next()`.
 *   3. After the rank's last batch of the epoch, go on with epoch e + 1.
 * State is (epoch, position); restoring it and calling `next()` yields exactly the batches an
 * uninterrupted iterator would have yielded from that point.
 */
import { DataConfigError, IteratorStateError } from '../errors.js';
import { planBatch, planSize, type EpochPlan } from '../batching/epoch-plan.js';
import { Rng } from '../random/rng.js';
import { batchesPerRank, checkRank, shardBatchIndex } from '../sharding/shard.js';
import { parseIteratorState, type BatchIteratorState } from './iterator-state.js';

/** Lays out epochs and turns planned items into batches. Must be deterministic in (epoch, rng). */
export interface EpochPlanner<B> {
  /** Identity of the corpus and batching options; stored in states and checked on restore. */
  readonly fingerprint: string;
  /** The epoch's batches for `worldSize` ranks; a multiple of worldSize of them. May throw DataConfigError. */
  plan(rng: Rng, worldSize: number): EpochPlan;
  /** The batch for planned `items`. Does not throw for items the planner produced. */
  materialize(items: Int32Array): B;
}

export interface BatchIteratorOptions {
  /** Data-order seed, an integer in [0, 2^32) (spec `training.seed`). */
  readonly seed: number;
  /** This worker's rank, 0..worldSize-1. */
  readonly rank: number;
  /** Data-parallel workers (spec `resources.workers`). */
  readonly worldSize: number;
}

export interface RestoreOptions {
  /**
   * Accept a state taken with another world size (an elastic restart on fewer or more workers):
   * continue in the same epoch after the same share of its batches. The epoch's plan depends on the
   * world size, so the rest of that epoch is drawn from the new plan: up to that share of pairs may be
   * seen twice or not at all in this epoch; later epochs are exact. Defaults to false.
   */
  readonly resize?: boolean;
}

/** Generator stream used for epoch shuffles (a constant mixed into the seed). */
const SHUFFLE_STREAM = 0x5eed;

export class BatchIterator<B> {
  private readonly options: Readonly<BatchIteratorOptions>;
  private currentEpoch = 0;
  private currentPosition = 0;
  private plan: { epoch: number; plan: EpochPlan } | undefined;

  /** Throws DataConfigError for a bad rank, world size or seed. */
  constructor(
    private readonly planner: EpochPlanner<B>,
    options: BatchIteratorOptions,
  ) {
    checkRank(options.rank, options.worldSize);
    if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
      throw new DataConfigError('training.seed', `${options.seed} is not an integer in [0, 2^32)`);
    }
    this.options = Object.freeze({ ...options });
  }

  /** 0-based epoch of the next batch. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** Batches this rank has taken from the current epoch. */
  get position(): number {
    return this.currentPosition;
  }

  /** Batches every rank takes from epoch `epoch` (default: the current one). May throw DataConfigError (see `next`). */
  batchesPerEpoch(epoch = this.currentEpoch): number {
    return batchesPerRank(planSize(this.epochPlan(epoch)), this.options.worldSize);
  }

  /** Items in no batch of epoch `epoch` (see the planner), for reports. */
  droppedInEpoch(epoch = this.currentEpoch): number {
    return this.epochPlan(epoch).dropped;
  }

  /**
   * The rank's next batch; crosses into the next epoch as needed, forever. Throws
   * DataConfigError when an epoch has no batch for every rank (corpus too small for the world size).
   */
  next(): B {
    let perRank = this.batchesPerEpoch();
    if (perRank > 0 && this.currentPosition >= perRank) {
      this.currentEpoch++;
      this.currentPosition = 0;
      perRank = this.batchesPerEpoch();
    }
    if (perRank === 0) throw this.tooSmall();
    const plan = this.epochPlan(this.currentEpoch);
    const j = shardBatchIndex(this.currentPosition, this.options.rank, this.options.worldSize);
    this.currentPosition++;
    return this.planner.materialize(planBatch(plan, j));
  }

  /** The state after the last batch `next()` returned (JSON-serialisable). */
  state(): BatchIteratorState {
    const { seed, worldSize } = this.options;
    return { version: 1, seed, epoch: this.currentEpoch, position: this.currentPosition, worldSize, fingerprint: this.planner.fingerprint };
  }

  /**
   * Continues from `state` (as `state()` returned it, possibly through JSON). Throws
   * IteratorStateError when it was taken with another seed, corpus or batching, with another world
   * size (unless `options.resize`), or its position is past the epoch's end.
   */
  restore(state: unknown, options: RestoreOptions = {}): void {
    const s = parseIteratorState(state);
    const { seed, worldSize } = this.options;
    if (s.fingerprint !== this.planner.fingerprint)
      throw new IteratorStateError(`state is for another corpus or batching (fingerprint ${s.fingerprint}, this iterator ${this.planner.fingerprint})`);
    if (s.seed !== seed) throw new IteratorStateError(`state has seed ${s.seed}; this iterator has seed ${seed}`);
    if (s.worldSize !== worldSize && !options.resize) throw new IteratorStateError(`state is for ${s.worldSize} ranks; this iterator has ${worldSize}`);
    const perRank = this.batchesPerEpoch(s.epoch);
    let position = s.position;
    if (s.worldSize !== worldSize) {
      const before = batchesPerRank(planSize(this.planner.plan(new Rng(seed, SHUFFLE_STREAM, s.epoch), s.worldSize)), s.worldSize);
      if (position > before)
        throw new IteratorStateError(`state position ${position} is past the ${before} batches of epoch ${s.epoch} for ${s.worldSize} ranks`);
      position = before === 0 ? 0 : Math.min(perRank, Math.round((position / before) * perRank));
    } else if (position > perRank) {
      throw new IteratorStateError(`state position ${position} is past the ${perRank} batches of epoch ${s.epoch}`);
    }
    this.currentEpoch = s.epoch;
    this.currentPosition = position;
  }

  private epochPlan(epoch: number): EpochPlan {
    if (this.plan?.epoch !== epoch) {
      const rng = new Rng(this.options.seed, SHUFFLE_STREAM, epoch);
      this.plan = { epoch, plan: this.planner.plan(rng, this.options.worldSize) };
    }
    return this.plan.plan;
  }

  private tooSmall(): DataConfigError {
    return new DataConfigError(
      'resources.workers',
      `epoch ${this.currentEpoch} has fewer batches than the ${this.options.worldSize} ranks; the corpus is too small for this world size`,
    );
  }
}
