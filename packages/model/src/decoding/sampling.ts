/**
 * Sampling with temperature, top-k and top-p (nucleus) filtering, from a seeded generator so
 * the same seed gives the same text:
 *   1. scale log-probabilities by 1 / temperature and renormalise,
 *   2. keep the k most likely tokens (top-k), then the smallest set whose mass reaches p (top-p),
 *   3. draw one token from what is left.
 */
import { mulberry32 } from '@orquesta/data';
import type { IncrementalDecoder } from './incremental-decoder.js';
import { DEFAULT_DECODE_TOKENS, type DecodeTokens } from './special-tokens.js';

export interface SamplingOptions {
  /** Softmax temperature; lower is greedier. Must be > 0. Defaults to 1. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens; 0 keeps all. Defaults to 0. */
  readonly topK?: number;
  /** Keep the smallest set of tokens with total probability >= p; 1 keeps all. Defaults to 1. */
  readonly topP?: number;
  /** Seed of the generator (mulberry32 from @orquesta/data). Defaults to 1. */
  readonly seed?: number;
  readonly tokens?: DecodeTokens;
  /** Tokens already given per row (a prompt), fed before sampling starts. Defaults to just bos. */
  readonly prompts?: readonly (readonly number[])[];
}

/** Draws one token from a row of log-probabilities after temperature, top-k and top-p. */
export function sampleToken(logp: Float32Array, offset: number, v: number, options: SamplingOptions, random: () => number): number {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const order = Array.from({ length: v }, (_, t) => t).sort((a, b) => logp[offset + b]! - logp[offset + a]! || a - b);
  const max = logp[offset + order[0]!]!;
  let kept = order.slice(0, options.topK && options.topK > 0 ? options.topK : v);
  const weights = kept.map((t) => Math.exp((logp[offset + t]! - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  const topP = options.topP ?? 1;
  let mass = 0;
  let cut = kept.length;
  for (let i = 0; i < kept.length; i++) {
    mass += weights[i]! / total;
    if (mass >= topP) {
      cut = i + 1;
      break;
    }
  }
  kept = kept.slice(0, cut);
  const keptTotal = weights.slice(0, cut).reduce((a, b) => a + b, 0);
  let u = random() * keptTotal;
  for (let i = 0; i < kept.length; i++) {
    u -= weights[i]!;
    if (u < 0) return kept[i]!;
  }
  return kept[kept.length - 1]!;
}

/** Samples up to `maxTokens` new tokens per row; stops a row at eos. Returns the new tokens. */
export async function sample(decoder: IncrementalDecoder, maxTokens: number, options: SamplingOptions = {}): Promise<number[][]> {
  const { bos, eos } = options.tokens ?? DEFAULT_DECODE_TOKENS;
  const n = decoder.rows;
  const v = decoder.vocabSize;
  const random = mulberry32(options.seed ?? 1);
  const prompts = options.prompts ?? Array.from({ length: n }, () => [bos]);
  const promptLen = prompts[0]?.length ?? 1;
  if (prompts.length !== n || prompts.some((p) => p.length !== promptLen || p.length === 0)) {
    throw new RangeError('prompts must give one non-empty prompt per row, all of the same length');
  }
  let logp: Float32Array = new Float32Array(0);
  for (let pos = 0; pos < promptLen; pos++)
    logp = await decoder.step(
      Int32Array.from(prompts, (p) => p[pos]!),
      pos,
    );
  const out: number[][] = Array.from({ length: n }, () => []);
  const done = new Array<boolean>(n).fill(false);
  for (let i = 0; i < maxTokens && done.includes(false); i++) {
    const next = new Int32Array(n).fill(eos);
    for (let r = 0; r < n; r++) {
      if (done[r]) continue;
      const token = sampleToken(logp, r * v, v, options, random);
      if (token === eos) done[r] = true;
      else {
        out[r]!.push(token);
        next[r] = token;
      }
    }
    if (i + 1 < maxTokens && done.includes(false)) logp = await decoder.step(next, promptLen + i);
  }
  return out;
}
