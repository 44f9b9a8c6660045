import type { CollectiveSpec } from '@orquesta/protocol';
import { commHookFor, type CommHook } from './comm-hooks.js';
import type { ReduceOp } from './process-group.js';

/** The collective settings an experiment spec asks for, in the units this package takes. */
export interface CollectiveSettings {
  /** For createZmqProcessGroup's timeoutMs: milliseconds without progress (timeout_s x 1000, rounded). */
  readonly timeoutMs: number;
  /** For GradientBucketer's bucketBytes: bytes (bucket_mb is in MB of 10^6 bytes, rounded). */
  readonly bucketBytes: number;
  /**
   * For GradientBucketer's hook: all-reduce with the requested reduction (mean unless asked for sum),
   * fp16 on the wire with a float32 fallback on overflow when compression is 'fp16'.
   */
  readonly hook: CommHook;
}

/**
 * Maps the validated spec section `collective` to this package's options; `op` is the reduction the
 * gradient hook performs ('mean' by default; 'sum' for callers that divide by their own count).
 */
export function collectiveSettingsFromSpec(spec: CollectiveSpec, op: ReduceOp = 'mean'): CollectiveSettings {
  return { timeoutMs: Math.round(spec.timeout_s * 1000), bucketBytes: Math.round(spec.bucket_mb * 1e6), hook: commHookFor(spec.compression, op) };
}
