import { allReduceMeanHook, type CommHook, type GradBucket, type HookState, type ReducedBucket } from './comm-hooks.js';
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
  /** `aliased`: the members' arrays are views of the bucket's buffer (bucketedGradients), so nothing is copied. */
  readonly buckets: { readonly bucket: GradBucket; readonly members: readonly number[]; readonly aliased: boolean }[];
}

/** One step's reduction, begun before all gradients exist (see GradientBucketer.begin). */
export interface BucketRound {
  /** Gradient `index` holds its final local value: once all of a bucket's are ready, its hook starts. */
  ready(index: number): void;
  /**
   * Resolves once every bucket is reduced and copied back into its gradients.
   * @throws whatever a hook throws; CollectiveArgumentError when a gradient was never marked ready or
   *   a hook returns the wrong length.
   */
  done(): Promise<void>;
}

/**
 * Packs gradients into fused buckets and communicates them bucket by bucket, like DDP's reducer.
 *
 * 1. Plan: walk the gradients from last to first (the order a backward pass produces them) and start
 *    a new bucket whenever the next one would overflow `bucketBytes` (a gradient larger than that
 *    gets a bucket of its own). The plan and its buffers are kept and reused while the gradients'
 *    names and lengths stay the same.
 * 2. As gradients become ready (`begin` + `ready`), each bucket whose members are all ready is packed
 *    and its hook started at once, so its reduction overlaps with producing the remaining gradients;
 *    the group runs the hooks' operations one after another. Buckets start in plan order whatever the
 *    timing (a bucket waits for the ones before it), so every rank issues the same operations in the
 *    same order.
 * 3. Await the hooks in order, run the hook's `finish` (if any) over every bucket, and copy each result
 *    back into its gradients.
 */
export class GradientBucketer {
  private readonly bucketBytes: number;
  private readonly hook: CommHook;
  private readonly state: HookState;
  private layout: Layout | undefined;

  constructor(group: ProcessGroup, options: GradientBucketerOptions = {}) {
    this.bucketBytes = options.bucketBytes ?? DEFAULT_BUCKET_BYTES;
    if (!(this.bucketBytes > 0) || !Number.isFinite(this.bucketBytes)) {
      throw new CollectiveArgumentError(
        { op: 'GradientBucketer', seq: null, rank: group.rank },
        'bucketBytes',
        `expected a positive number, got ${this.bucketBytes}`,
      );
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
    await this.beginAll(gradients).done();
  }

  /** A round whose gradients are all ready: every bucket starts now. */
  beginAll(gradients: readonly NamedGradient[]): BucketRound {
    const round = this.begin(gradients);
    for (let i = gradients.length - 1; i >= 0; i--) round.ready(i);
    return round;
  }

  /**
   * Begins a reduction of `gradients` whose values are still being produced: mark each one ready
   * when it holds its final value (any order; last to first starts buckets earliest).
   */
  begin(gradients: readonly NamedGradient[]): BucketRound {
    const layout = this.plan(gradients);
    const missing = layout.buckets.map((b) => b.members.length);
    const bucketOf = new Map<number, number>();
    layout.buckets.forEach((b, i) => b.members.forEach((g) => bucketOf.set(g, i)));
    const isReady = new Set<number>();
    const started: Promise<Float32Array>[] = [];
    const startReady = () => {
      // In plan order only: a bucket whose members are ready waits for the buckets before it.
      while (started.length < layout.buckets.length && missing[started.length] === 0) {
        const { bucket, members, aliased } = layout.buckets[started.length] as Layout['buckets'][number];
        if (!aliased) for (const [j, g] of members.entries()) bucket.buffer.set((gradients[g] as NamedGradient).data, bucket.gradients[j]?.offset);
        started.push(this.hook(this.state, bucket));
      }
    };
    const rank = this.state.group.rank;
    return {
      ready: (index) => {
        const b = bucketOf.get(index);
        if (b === undefined || isReady.has(index)) return;
        isReady.add(index);
        missing[b] = (missing[b] as number) - 1;
        startReady();
      },
      done: async () => {
        if (started.length < layout.buckets.length) {
          const absent = gradients.map((g, i) => (isReady.has(i) ? '' : g.name)).filter((n) => n !== '');
          throw new CollectiveArgumentError(
            { op: 'GradientBucketer', seq: null, rank },
            'gradients',
            `not marked ready: ${absent.slice(0, 5).join(', ')}${absent.length > 5 ? ', ...' : ''}`,
          );
        }
        const results: ReducedBucket[] = [];
        for (const [i, result] of started.entries()) {
          const { bucket } = layout.buckets[i] as Layout['buckets'][number];
          const reduced = await result;
          if (reduced.length !== bucket.buffer.length) {
            throw new CollectiveArgumentError(
              { op: 'GradientBucketer', seq: null, rank },
              'hook',
              `returned ${reduced.length} elements for bucket ${i} of ${bucket.buffer.length}`,
            );
          }
          results.push({ bucket, reduced });
        }
        await this.hook.finish?.(this.state, results);
        for (const [i, { bucket, reduced }] of results.entries()) {
          const { members, aliased } = layout.buckets[i] as Layout['buckets'][number];
          if (aliased && reduced === bucket.buffer) continue; // already in place
          for (const [j, g] of members.entries()) {
            const { offset, length } = bucket.gradients[j] as GradBucket['gradients'][number];
            (gradients[g] as NamedGradient).data.set(reduced.subarray(offset, offset + length));
          }
        }
      },
    };
  }

  private plan(gradients: readonly NamedGradient[]): Layout {
    const planned = planBuckets(
      gradients.map((g) => ({ name: g.name, length: g.data.length })),
      this.bucketBytes,
    );
    const shared = planned.map((b) => sharedBuffer(b, gradients));
    const key = [...gradients.map((g) => `${g.name}:${g.data.length}`), ...shared.map((buffer) => (buffer ? bufferId(buffer.buffer) : '-'))].join('\n');
    if (this.layout?.key === key) return this.layout;
    const buckets = planned.map(({ index, length, gradients: entries, members }, i) => ({
      bucket: { index, buffer: shared[i] ?? new Float32Array(length), gradients: entries },
      members,
      aliased: shared[i] !== undefined,
    }));
    this.layout = { key, buckets };
    return this.layout;
  }
}

/**
 * Gradient arrays laid out as views of one buffer per bucket, in the plan of `bucketBytes`: a bucketer
 * given them packs and unpacks nothing (the gradients are accumulated straight into its buckets), which
 * saves a copy of every gradient in memory and two copies per step.
 */
export function bucketedGradients(gradients: readonly { readonly name: string; readonly length: number }[], bucketBytes: number): NamedGradient[] {
  const out: NamedGradient[] = new Array<NamedGradient>(gradients.length);
  for (const bucket of planBuckets(gradients, bucketBytes)) {
    const buffer = new Float32Array(bucket.length);
    bucket.members.forEach((g, j) => {
      const { offset, length } = bucket.gradients[j]!;
      out[g] = { name: gradients[g]!.name, data: buffer.subarray(offset, offset + length) };
    });
  }
  return out;
}

/** The bucket's buffer when its members' arrays are consecutive views of one, as bucketedGradients lays them out. */
function sharedBuffer(bucket: PlannedBucket, gradients: readonly NamedGradient[]): Float32Array | undefined {
  const first = gradients[bucket.members[0]!]!.data;
  const aligned = bucket.members.every((g, j) => {
    const data = gradients[g]!.data;
    return data.buffer === first.buffer && data.byteOffset === first.byteOffset + 4 * bucket.gradients[j]!.offset;
  });
  if (!aligned || first.byteOffset + 4 * bucket.length > first.buffer.byteLength) return undefined;
  return new Float32Array(first.buffer, first.byteOffset, bucket.length);
}

const bufferIds = new WeakMap<ArrayBufferLike, number>();
let buffersSeen = 0;
function bufferId(buffer: ArrayBufferLike): number {
  const known = bufferIds.get(buffer);
  if (known !== undefined) return known;
  bufferIds.set(buffer, ++buffersSeen);
  return buffersSeen;
}

/** One bucket of a plan: its length (elements), its gradients' places in it, and their indices in the input list. */
export interface PlannedBucket {
  readonly index: number;
  readonly length: number;
  readonly gradients: GradBucket['gradients'];
  readonly members: readonly number[];
}

/**
 * The buckets GradientBucketer packs `gradients` into for `bucketBytes` (step 1 of its plan): the same
 * plan for the same names, lengths and capacity, so other code (a sharded optimizer) can address the
 * buckets' elements without a bucketer.
 */
export function planBuckets(gradients: readonly { readonly name: string; readonly length: number }[], bucketBytes: number): PlannedBucket[] {
  const capacity = Math.max(1, Math.floor(bucketBytes / 4));
  const groups: number[][] = [];
  let current: number[] = [];
  let size = 0;
  for (let i = gradients.length - 1; i >= 0; i--) {
    const g = gradients[i]!;
    if (current.length > 0 && size + g.length > capacity) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(i);
    size += g.length;
  }
  if (current.length > 0) groups.push(current);
  return groups.map((members, index) => {
    let offset = 0;
    const entries = members.map((g) => {
      const { name, length } = gradients[g]!;
      const entry = { name, offset, length };
      offset += length;
      return entry;
    });
    return { index, length: offset, gradients: entries, members };
  });
}
