/**
 * The batches of one epoch, before sharding: batch j holds `items[starts[j] .. ends[j])`, where an
 * item is a corpus index (translation) or a window start (language model). Batch order is the
 * order ranks take them in (see sharding/shard.ts).
 */
export interface EpochPlan {
  readonly items: Int32Array;
  /** [batches] first position of each batch in items. */
  readonly starts: Int32Array;
  /** [batches] one past the last position of each batch in items. */
  readonly ends: Int32Array;
  /** Items that are in no batch this epoch (see the planners for when). */
  readonly dropped: number;
}

/** Number of batches in a plan. */
export function planSize(plan: EpochPlan): number {
  return plan.starts.length;
}

/** Items of batch j (a view, not a copy). */
export function planBatch(plan: EpochPlan, j: number): Int32Array {
  return plan.items.subarray(plan.starts[j], plan.ends[j]);
}
