import type { OptimizerState } from './flat-optimizer.js';

/** One optimizer-state tensor of a checkpoint: a moment of one parameter. */
export interface MomentEntry {
  readonly kind: 'm' | 'v';
  /** Parameter index (the model's variable order). */
  readonly param: number;
}

/**
 * A checkpoint's optimizer state as it is written: the tensors in file order and their values as
 * chunks, back to back, so a sharded run writes each bucket's gathered moments as they arrive instead
 * of holding all of them at once.
 */
export interface OptimizerStream {
  /** Optimizer steps taken. */
  readonly step: number;
  readonly entries: readonly MomentEntry[];
  /**
   * The entries' values back to back. Sharded, this is a sequence of collectives: every rank must
   * iterate it to the end, and only the rank that asked to keep the state gets chunks.
   */
  chunks(): AsyncIterable<Float32Array>;
}

/** An unsharded optimizer's state as a stream: every m, then every v, in parameter order. */
export function streamOf(state: OptimizerState): OptimizerStream {
  const entries: MomentEntry[] = [...state.m.map((_, param) => ({ kind: 'm' as const, param })), ...state.v.map((_, param) => ({ kind: 'v' as const, param }))];
  return {
    step: state.step,
    entries,
    chunks: async function* () {
      yield* state.m;
      yield* state.v;
    },
  };
}

/** Reads a stream into whole per-parameter arrays (`sizes` elements each); empty lists where a kind is absent. */
export async function collect(stream: OptimizerStream, sizes: readonly number[]): Promise<OptimizerState> {
  const m = stream.entries.some((e) => e.kind === 'm') ? sizes.map((n) => new Float32Array(n)) : [];
  const v = stream.entries.some((e) => e.kind === 'v') ? sizes.map((n) => new Float32Array(n)) : [];
  let next = 0;
  let within = 0;
  for await (const chunk of stream.chunks()) {
    let pos = 0;
    while (pos < chunk.length) {
      const entry = stream.entries[next]!;
      const target = (entry.kind === 'm' ? m : v)[entry.param]!;
      const count = Math.min(target.length - within, chunk.length - pos);
      target.set(chunk.subarray(pos, pos + count), within);
      pos += count;
      within += count;
      if (within === target.length) {
        next++;
        within = 0;
      }
    }
  }
  return { step: stream.step, m, v };
}
