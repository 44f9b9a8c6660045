/**
 * The seam between search strategies (greedy, beam, sampling) and models: one call per new
 * token, with keys and values of earlier positions cached so a step costs the same whatever
 * the prefix length (apart from attending over the cache).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BlockCache } from '../layers/decoder-block.js';

export interface IncrementalDecoder {
  /** Rows currently decoded (N). */
  readonly rows: number;
  readonly vocabSize: number;
  /**
   * Feeds one token per row at `position` and returns log-probabilities of the next token,
   * [N, V] row-major.
   */
  step(tokens: Int32Array, position: number): Promise<Float32Array>;
  /** Keeps and reorders rows: new row i continues old row `from[i]` (N may change). */
  reorder(from: Int32Array): void;
  /** Frees the cached tensors. */
  dispose(): void;
}

/** Owns a decoder's cache tensors across steps: keeps the new ones, frees the replaced ones. */
export class CacheKeeper {
  constructor(readonly cache: BlockCache[]) {}

  private tensors(): tf.Tensor[] {
    return this.cache.flatMap((c) => [c.self?.k, c.self?.v, c.cross?.k, c.cross?.v].filter((t): t is tf.Tensor4D => t !== undefined));
  }

  /** Runs `f` in a tidy scope; cache tensors it creates survive, the ones it replaced are freed. */
  run<T extends tf.Tensor>(f: () => T): T {
    const before = this.tensors();
    const result = tf.tidy(() => {
      const value = f();
      return [value, ...this.tensors()];
    })[0] as T;
    const kept = new Set(this.tensors());
    for (const t of before) if (!kept.has(t)) t.dispose();
    return result;
  }

  /**
   * One decoding step: feeds `tokens` (one per row) to `logitsOf`, which runs the model against
   * this cache, and returns the next-token log-probabilities [rows, vocab] row-major.
   */
  async nextLogProbs(tokens: Int32Array, rows: number, vocab: number, logitsOf: (ids: tf.Tensor2D) => tf.Tensor3D): Promise<Float32Array> {
    const logp = this.run(() => tf.logSoftmax(tf.reshape(logitsOf(tf.tensor2d(tokens, [rows, 1], 'int32')), [rows, vocab]))); // [N, V]
    const values = (await logp.data()) as Float32Array;
    logp.dispose();
    return values;
  }

  /** Gathers rows of every cached tensor along the batch axis. */
  reorder(from: Int32Array): void {
    this.run(() => {
      const index = tf.tensor1d(from, 'int32');
      for (const c of this.cache) {
        if (c.self) c.self = { k: tf.gather(c.self.k, index), v: tf.gather(c.self.v, index) };
        if (c.cross) c.cross = { k: tf.gather(c.cross.k, index), v: tf.gather(c.cross.v, index) };
      }
      return tf.scalar(0);
    }).dispose();
  }

  dispose(): void {
    for (const t of this.tensors()) t.dispose();
    for (const c of this.cache) {
      c.self = undefined;
      c.cross = undefined;
    }
  }
}
