import type { CollectiveSpec } from '@orquesta/protocol';
import { commHookFor, type CommHook } from './comm-hooks.js';

/** The collective settings an experiment spec asks for, in the units this package takes. */
export interface CollectiveSettings {
  /** For createZmqProcessGroup's timeoutMs. */
  readonly timeoutMs: number;
  /** For GradientBucketer's bucketBytes (bucket_mb is in MB of 10^6 bytes). */
  readonly bucketBytes: number;
  /** For GradientBucketer's hook: mean all-reduce, fp16 on the wire when compression is 'fp16'. */
  readonly hook: CommHook;
}

/** Maps the validated spec section `collective` to this package's options. */
export function collectiveSettingsFromSpec(spec: CollectiveSpec): CollectiveSettings {
  return { timeoutMs: Math.round(spec.timeout_s * 1000), bucketBytes: Math.round(spec.bucket_mb * 1e6), hook: commHookFor(spec.compression) };
}
