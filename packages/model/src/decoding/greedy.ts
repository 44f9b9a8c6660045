import type { IncrementalDecoder } from './incremental-decoder.js';
import { DEFAULT_DECODE_TOKENS, type DecodeTokens } from './special-tokens.js';

/**
 * Picks the most likely token at every step until each row emits eos or `maxLen` tokens.
 * @returns per row the generated ids, without bos and eos
 */
export async function greedySearch(decoder: IncrementalDecoder, maxLen: number, tokens: DecodeTokens = DEFAULT_DECODE_TOKENS): Promise<number[][]> {
  const n = decoder.rows;
  const v = decoder.vocabSize;
  const out: number[][] = Array.from({ length: n }, () => []);
  const done = new Array<boolean>(n).fill(false);
  let input = new Int32Array(n).fill(tokens.bos);
  for (let pos = 0; pos < maxLen && done.includes(false); pos++) {
    const logp = await decoder.step(input, pos);
    const next = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let t = 1; t < v; t++) if (logp[r * v + t]! > logp[r * v + best]!) best = t;
      next[r] = done[r] ? tokens.eos : best;
      if (!done[r]) {
        if (best === tokens.eos) done[r] = true;
        else out[r]!.push(best);
      }
    }
    input = next;
  }
  return out;
}
