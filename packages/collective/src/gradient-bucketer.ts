import { allReduceMeanHook, type CommHook, type GradBucket, type HookState } from './comm-hooks.js';
import { CollectiveArgumentError } from './errors.js';
import type { ProcessGroup } from './process-group.js';

/** One gradient to communicate, e.g. a parameter's gradient as a flat Float32Array. */
export interface NamedGradient {
  readonly name: string;
  readonly data: Float32Array;
}

export interface GradientBucketerOptions {
  /** Bucket capacity in bytes (the spec's collective.bucket_mb x 10^6). Defaults to 25 MB (25e6). */
  readonly bucketBytes?: number;
  /** How each bucket is communicated. Defaults to allReduceMeanHook. */
  readonly hook?: CommHook;
}

export const DEFAULT_BUCKET_BYTES = 25e6;

interface Layout {
  readonly key: string;
  readonly buckets: { readonly bucket: GradBucket; readonly members: readonly number[] }[];
}

/**
 * Packs gradients into fused buckets and communicates them bucket by bucket, like DDP's reducer.
 *
 * 1. Plan: walk the gradients in order and start a new bucket whenever the next one would overflow
 *    `bucketBytes` (a gradient larger than that gets a bucket of its own). The plan and its buffers are
 *    kept and reused while the gradients' names and lengths stay the same.
 * 2. For each bucket: copy its gradients into the fused buffer and start the hook; the group runs the
 *    hooks' operations one after another, while the next bucket is being packed.
 * 3. Await the hooks in order and copy each result back into its gradients.
 */
export class GradientBucketer {
  private readonly bucketBytes: number;
  private readonly hook: CommHook;
  private readonly state: HookState;
  private layout: Layout | undefined;

  constructor(group: ProcessGroup, options: GradientBucketerOptions = {}) {
    this.bucketBytes = options.bucketBytes ?? DEFAULT_BUCKET_BYTES;
    if (!(this.bucketBytes > 0) || !Number.isFinite(this.bucketBytes)) {
      throw new CollectiveArgumentError({ op: 'GradientBucketer', seq: null, rank: group.rank }, 'bucketBytes', `expected a positive number, got ${this.bucketBytes}`);
    }
    this.hook = options.hook ?? allReduceMeanHook;
    this.state = { group };
  }

  /** Number of buckets of the last plan (0 before the first reduce). */
  get bucketCount(): number {
    return this.layout?.buckets.length ?? 0;
  }

  /**
   * Replaces every gradient's values with the hook's result (by default the mean over all ranks).
   * Every rank must pass gradients with the same names and lengths, in the same order.
   * @throws whatever the hook throws; CollectiveArgumentError when a hook returns the wrong length.
   */
  async reduce(gradients: readonly NamedGradient[]): Promise<void> {
    const layout = this.plan(gradients);
    const pending = layout.buckets.map(({ bucket, members }) => {
      for (const [j, g] of members.entries()) bucket.buffer.set((gradients[g] as NamedGradient).data, bucket.gradients[j]?.offset);
      return this.hook(this.state, bucket);
    });
    for (const [i, result] of pending.entries()) {
      const { bucket, members } = layout.buckets[i] as Layout['buckets'][number];
      const reduced = await result;
      if (reduced.length !== bucket.buffer.length) {
        throw new CollectiveArgumentError({ op: 'GradientBucketer', seq: null, rank: this.state.group.rank }, 'hook', `returned ${reduced.length} elements for bucket ${i} of ${bucket.buffer.length}`);
      }
      for (const [j, g] of members.entries()) {
        const { offset, length } = bucket.gradients[j] as GradBucket['gradients'][number];
        (gradients[g] as NamedGradient).data.set(reduced.subarray(offset, offset + length));
      }
    }
  }

  private plan(gradients: readonly NamedGradient[]): Layout {
    const key = gradients.map((g) => `${g.name}:${g.data.length}`).join('\n');
    if (this.layout?.key === key) return this.layout;
    const capacity = Math.max(1, Math.floor(this.bucketBytes / 4));
    const groups: number[][] = [];
    let current: number[] = [];
    let size = 0;
    for (const [i, g] of gradients.entries()) {
      if (current.length > 0 && size + g.data.length > capacity) {
        groups.push(current);
        current = [];
        size = 0;
      }
      current.push(i);
      size += g.data.length;
    }
    if (current.length > 0) groups.push(current);
    const buckets = groups.map((members, index) => {
      let offset = 0;
      const entries = members.map((g) => {
        const { name, data } = gradients[g] as NamedGradient;
        const entry = { name, offset, length: data.length };
        offset += data.length;
        return entry;
      });
      return { bucket: { index, buffer: new Float32Array(offset), gradients: entries }, members };
    });
    this.layout = { key, buckets };
    return this.layout;
  }
}
