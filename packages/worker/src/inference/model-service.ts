/**
 * A trained model answering requests one by one from many clients (`orquesta serve-model`):
 * translations that arrive together are decoded as one batch (request-batcher.ts; one batcher per
 * beam size), so 32 concurrent clients share each decoding step's forward pass; generation runs
 * request by request (each samples with its own seed). Inputs are checked first: a text longer
 * than the model reads, or options out of range, is refused with a ServeRequestError, never cut.
 */
import type { TrainedModel } from './load-trained-model.js';
import { generate } from './generator.js';
import { RequestBatcher, type BatcherOptions } from './request-batcher.js';
import { explainGeneration, explainTranslation, type GenerationAttention, type TranslationAttention } from './explain-attention.js';
import { translate } from './translator.js';

export const SERVE_ERROR = {
  /** The input is longer than the model's max_len. */
  inputTooLong: 'input_too_long',
  /** The input is empty. */
  emptyInput: 'empty_input',
  /** The model cannot do this (translating with a language model, or the reverse). */
  wrongModel: 'wrong_model',
} as const;
export type ServeErrorCode = (typeof SERVE_ERROR)[keyof typeof SERVE_ERROR];

/** A request this model cannot answer (a client's mistake: HTTP 4xx). */
export class ServeRequestError extends Error {
  override readonly name = 'ServeRequestError';
  constructor(
    readonly code: ServeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface GenerateRequest {
  readonly prompt: string;
  /** Tokens to generate. */
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly seed: number;
}

/** How a sampled output draws each token. */
export type Sampling = Omit<GenerateRequest, 'prompt' | 'maxTokens'>;

export class ModelService {
  private readonly translators = new Map<number, RequestBatcher<string, string>>();

  constructor(
    readonly trained: TrainedModel,
    private readonly batching: BatcherOptions = { maxBatch: 32, maxWaitMs: 2 },
  ) {}

  /** Translation batches decoded and the requests in them, since the start. */
  get served(): { batches: number; requests: number } {
    let [batches, requests] = [0, 0];
    for (const b of this.translators.values()) [batches, requests] = [batches + b.served.batches, requests + b.served.requests];
    return { batches, requests };
  }

  /** Tokens the model reads at most (max_len; a translation's source includes its eos). */
  get maxTokens(): number {
    return this.trained.model.config.maxLen;
  }

  /**
   * Greedy or beam search (batched with concurrent requests of the same beam), or with `sampling`
   * each output token drawn (one request at a time: each has its own seed).
   * @throws {ServeRequestError} empty, too long, or not a translation model.
   */
  async translate(text: string, beam: number, sampling?: Sampling): Promise<string> {
    const trained = this.trained;
    if (trained.kind !== 'translation') throw new ServeRequestError(SERVE_ERROR.wrongModel, 'this is a language model: POST /api/generate');
    this.checkLength(text, 1);
    if (sampling) return (await translate(trained.model, trained.tokenizer, [text], { sampling }))[0] as string;
    let batcher = this.translators.get(beam);
    if (batcher === undefined)
      this.translators.set(
        beam,
        (batcher = new RequestBatcher(
          (texts) => translate(trained.model, trained.tokenizer, texts, { beam, batchSize: this.batching.maxBatch }),
          this.batching,
        )),
      );
    return batcher.submit(text);
  }

  /** @throws {ServeRequestError} empty, too long, or not a language model. */
  async generate(request: GenerateRequest): Promise<string> {
    const trained = this.trained;
    if (trained.kind !== 'language-model') throw new ServeRequestError(SERVE_ERROR.wrongModel, 'this is a translation model: POST /api/translate');
    // bos, the prompt, and room for one token at least.
    this.checkLength(request.prompt, 2);
    const { prompt, maxTokens, ...sampling } = request;
    return generate(trained.model, trained.tokenizer, prompt, maxTokens, sampling);
  }

  /**
   * The output for one input with every attention's weights (explain-attention.ts): a translation
   * (greedy or `beam`, or sampled as `generation` says with `sampleTranslation`), or a language
   * model's continuation (`generation`). Not batched.
   * @throws {ServeRequestError} empty or too long.
   */
  async attention(
    text: string,
    beam: number,
    generation: Omit<GenerateRequest, 'prompt'>,
    sampleTranslation = false,
  ): Promise<TranslationAttention | GenerationAttention> {
    const trained = this.trained;
    this.checkLength(text, trained.kind === 'translation' ? 1 : 2);
    if (trained.kind === 'translation') {
      const { maxTokens: _maxTokens, ...sampling } = generation;
      return explainTranslation(trained.model, trained.tokenizer, text, sampleTranslation ? { sampling } : { beam });
    }
    const { maxTokens, ...sampling } = generation;
    return explainGeneration(trained.model, trained.tokenizer, text, maxTokens, sampling);
  }

  private checkLength(text: string, reserved: number): void {
    if (text.trim() === '') throw new ServeRequestError(SERVE_ERROR.emptyInput, 'the text is empty');
    const tokens = this.trained.tokenizer.encode(text).length;
    if (tokens + reserved > this.maxTokens)
      throw new ServeRequestError(SERVE_ERROR.inputTooLong, `the text is ${tokens} tokens; this model reads at most ${this.maxTokens - reserved}`);
  }
}
