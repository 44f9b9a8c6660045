/**
 * What the attention explorer shows: a model's output for one input and the attention weights that
 * made it, every layer and head ([layer][head][query][key], model/attention-maps.ts), with the tokens
 * on both axes as text. For a translation, decoder query i is the step that produced
 * `target_tokens[i]` (the last one `</s>`), its self-attention keys the decoder's inputs up to it
 * (`<s>`, then the target tokens before it), its cross-attention keys the source tokens.
 */
import { SPECIAL_COUNT, SPECIAL_IDS, SPECIAL_TOKENS, type Tokenizer } from '@orquesta/data';
import { lmAttention, seq2seqAttention, type AttentionStack, type DecoderOnlyLM, type SamplingOptions, type Seq2SeqTransformer } from '@orquesta/model';
import { generateIds } from './generator.js';
import { translateIds, type TranslateOptions } from './translator.js';

export interface TranslationAttention {
  readonly translation: string;
  /** The encoder's input, eos last. */
  readonly source_tokens: readonly string[];
  /** What the decoder produced, eos last (when it ended before max_len). */
  readonly target_tokens: readonly string[];
  readonly encoder: AttentionStack;
  readonly decoder: AttentionStack;
  readonly cross: AttentionStack;
}

export interface GenerationAttention {
  readonly text: string;
  /** `<s>`, the prompt's tokens, then the generated ones: queries and keys alike. */
  readonly tokens: readonly string[];
  /** How many of `tokens` are the prompt (with `<s>`). */
  readonly prompt_length: number;
  readonly decoder: AttentionStack;
}

/** A token id as text: the reserved ones by name (`<s>`, `</s>`, ...), others as the tokenizer writes them. */
export function tokenText(tokenizer: Tokenizer, id: number): string {
  return id < SPECIAL_COUNT ? (SPECIAL_TOKENS[id] as string) : tokenizer.decode([id]);
}

export async function explainTranslation(
  model: Seq2SeqTransformer,
  tokenizer: Tokenizer,
  sentence: string,
  options: Omit<TranslateOptions, 'batchSize'> = {},
): Promise<TranslationAttention> {
  const [result] = await translateIds(model, tokenizer, [sentence], options);
  const { source, output } = result as { source: number[]; output: number[] };
  // The decoder's inputs: bos and every produced token that was fed back (max_len of them at most).
  const tgtIn = [SPECIAL_IDS.bos, ...output].slice(0, model.config.maxLen);
  const produced = [...output, SPECIAL_IDS.eos].slice(0, tgtIn.length);
  const target = options.targetTokenizer ?? tokenizer;
  return {
    translation: target.decode(output),
    source_tokens: source.map((id) => tokenText(tokenizer, id)),
    target_tokens: produced.map((id) => tokenText(target, id)),
    ...seq2seqAttention(model, source, tgtIn),
  };
}

export async function explainGeneration(
  model: DecoderOnlyLM,
  tokenizer: Tokenizer,
  prompt: string,
  maxTokens: number,
  options: Omit<SamplingOptions, 'prompts' | 'tokens'> = {},
): Promise<GenerationAttention> {
  const ids = await generateIds(model, tokenizer, prompt, maxTokens, options);
  const all = [...ids.prompt, ...ids.generated];
  return {
    text: tokenizer.decode(ids.generated),
    tokens: all.map((id) => tokenText(tokenizer, id)),
    prompt_length: ids.prompt.length,
    ...lmAttention(model, all),
  };
}
