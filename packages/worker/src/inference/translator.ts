/**
 * Translation with a trained encoder-decoder: sentences are tokenised (with eos), batched by
 * length, decoded with beam search (beam 1 is greedy) or by sampling, and detokenised, in input order.
 * `tokenizer` encodes the sources and, unless `targetTokenizer` is given, decodes the outputs.
 */
import { SPECIAL_IDS, type Tokenizer } from '@orquesta/data';
import { beamSearch, greedySearch, sample, seq2seqDecoder, type SamplingOptions, type Seq2SeqTransformer } from '@orquesta/model';

export interface TranslateOptions {
  /** Beams; 1 decodes greedily. Defaults to 4. */
  readonly beam?: number;
  /** GNMT length-penalty alpha. Defaults to 0.6. */
  readonly alpha?: number;
  /** Sentences decoded together. Defaults to 32. */
  readonly batchSize?: number;
  /** Longest output in tokens. Defaults to the model's max length. */
  readonly maxLen?: number;
  /** Tokenizer of the outputs when the languages have their own. Defaults to `tokenizer`. */
  readonly targetTokenizer?: Tokenizer;
  /** Sample each output token (temperature, top-k, top-p, seed) instead of beam search. */
  readonly sampling?: Omit<SamplingOptions, 'prompts' | 'tokens'>;
}

export async function translate(
  model: Seq2SeqTransformer,
  tokenizer: Tokenizer,
  sentences: readonly string[],
  options: TranslateOptions = {},
): Promise<string[]> {
  const target = options.targetTokenizer ?? tokenizer;
  return (await translateIds(model, tokenizer, sentences, options)).map((r) => target.decode(r.output));
}

/** Each sentence's source ids (with eos, as the encoder saw them) and output ids (without bos and eos), in input order. */
export async function translateIds(
  model: Seq2SeqTransformer,
  tokenizer: Tokenizer,
  sentences: readonly string[],
  options: TranslateOptions = {},
): Promise<{ source: number[]; output: number[] }[]> {
  const beam = options.beam ?? 4;
  const batchSize = options.batchSize ?? 32;
  const limit = model.config.maxLen;
  const maxLen = Math.min(options.maxLen ?? limit, limit);
  const encoded = sentences.map((s) => {
    const ids = Array.from(tokenizer.encode(s)).slice(0, limit - 1);
    return [...ids, SPECIAL_IDS.eos];
  });
  const order = encoded.map((_, i) => i).sort((a, b) => encoded[a]!.length - encoded[b]!.length);
  const out = encoded.map((source) => ({ source, output: [] as number[] }));
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const srcLen = Math.max(...rows.map((r) => encoded[r]!.length));
    const src = new Int32Array(rows.length * srcLen); // [B, S], pad 0
    rows.forEach((r, b) => src.set(encoded[r]!, b * srcLen));
    const decoder = seq2seqDecoder(model, src, rows.length, srcLen);
    try {
      const tokens = { bos: SPECIAL_IDS.bos, eos: SPECIAL_IDS.eos };
      const hyps = options.sampling
        ? await sample(decoder, maxLen, { ...options.sampling, tokens })
        : beam > 1
          ? await beamSearch(decoder, maxLen, { beam, alpha: options.alpha ?? 0.6, tokens })
          : await greedySearch(decoder, maxLen, tokens);
      rows.forEach((r, b) => (out[r]!.output = hyps[b]!));
    } finally {
      decoder.dispose();
    }
  }
  return out;
}
