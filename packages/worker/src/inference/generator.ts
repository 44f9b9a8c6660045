/** Text generation with a trained decoder-only language model: prompt in, continuation out. */
import { SPECIAL_IDS, type Tokenizer } from '@orquesta/data';
import { lmDecoder, sample, type DecoderOnlyLM, type SamplingOptions } from '@orquesta/model';

export async function generate(
  model: DecoderOnlyLM,
  tokenizer: Tokenizer,
  prompt: string,
  maxTokens: number,
  options: Omit<SamplingOptions, 'prompts' | 'tokens'> = {},
): Promise<string> {
  return tokenizer.decode((await generateIds(model, tokenizer, prompt, maxTokens, options)).generated);
}

/** The prompt's ids (bos first) and the generated ones (without eos). @throws {RangeError} a prompt as long as max_len. */
export async function generateIds(
  model: DecoderOnlyLM,
  tokenizer: Tokenizer,
  prompt: string,
  maxTokens: number,
  options: Omit<SamplingOptions, 'prompts' | 'tokens'> = {},
): Promise<{ prompt: number[]; generated: number[] }> {
  const promptIds = [SPECIAL_IDS.bos, ...Array.from(tokenizer.encode(prompt))];
  const room = model.config.maxLen - promptIds.length;
  if (room < 1) throw new RangeError(`the prompt is ${promptIds.length} tokens; the model's max_len is ${model.config.maxLen}`);
  const decoder = lmDecoder(model, 1);
  try {
    const [tokens] = await sample(decoder, Math.min(maxTokens, room), {
      ...options,
      prompts: [promptIds],
      tokens: { bos: SPECIAL_IDS.bos, eos: SPECIAL_IDS.eos },
    });
    return { prompt: promptIds, generated: tokens ?? [] };
  } finally {
    decoder.dispose();
  }
}
