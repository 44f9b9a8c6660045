import { planBatch, planSize, type EpochPlan } from './epoch-plan.js';
import { batchesPerRank, shardBatchIndex } from '../sharding/shard.js';

/** This rank's batches of an unshuffled evaluation plan, in plan order (equal counts on every rank). */
export function shardEvalBatches<B>(plan: EpochPlan, materialize: (items: Int32Array) => B, rank: number, worldSize: number): B[] {
  const out: B[] = [];
  const perRank = batchesPerRank(planSize(plan), worldSize);
  for (let p = 0; p < perRank; p++) out.push(materialize(planBatch(plan, shardBatchIndex(p, rank, worldSize))));
  return out;
}
