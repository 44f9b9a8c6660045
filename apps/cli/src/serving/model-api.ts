/**
 * The HTTP API of a served model (`orquesta serve-model`), fastify with JSON Schema bodies:
 *
 *   GET  /api/model       what is served: kind, checkpoint step, the longest input in tokens, batches served
 *   POST /api/translate   {text, beam?, sample?, temperature?, top_k?, top_p?, seed?} -> {translation}
 *   POST /api/generate    {prompt, max_tokens?, temperature?, top_k?, top_p?, seed?} -> {text}
 *   POST /api/attention   {text, beam?, max_tokens?, ...}  -> the output and every attention's weights
 *                         ({translation, source_tokens, target_tokens, encoder, decoder, cross} or
 *                         {text, tokens, prompt_length, decoder}: [layer][head][query][key])
 *
 * POSTs need the token (Authorization: Bearer <token>: 401 without, 403 with a wrong one); every
 * error is `{error: {code, message}}` with a 4xx status. Concurrent translations are batched
 * (ModelService).
 */
import { tokenMatches } from '@orquesta/coordinator';
// Types only: the worker package (and tfjs with it) is loaded by the command, not by this module.
import type { ModelService, ServeRequestError } from '@orquesta/worker';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

export const MODEL_API_ERROR = {
  badRequest: 'bad_request',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  payloadTooLarge: 'payload_too_large',
  internal: 'internal',
} as const;

/** How a language model samples (generate, and attention of a language model). */
const SAMPLING = {
  max_tokens: { type: 'integer', minimum: 1, maximum: 4096, default: 100, description: 'Tokens to generate. Defaults to 100.' },
  temperature: { type: 'number', exclusiveMinimum: 0, maximum: 10, default: 0.8, description: 'Sampling temperature. Defaults to 0.8.' },
  top_k: { type: 'integer', minimum: 0, maximum: 100_000, default: 0, description: 'Keep the k most likely tokens (0: all). Defaults to 0.' },
  top_p: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.95, description: 'Nucleus sampling mass. Defaults to 0.95.' },
  seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1, default: 1, description: 'Sampling seed. Defaults to 1.' },
} as const;

/** Sampling of a translation: the same fields, without max_tokens (a translation ends at eos or max_len). */
const { max_tokens: _maxTokens, ...TRANSLATION_SAMPLING } = SAMPLING;

interface SamplingBody {
  readonly max_tokens: number;
  readonly temperature: number;
  readonly top_k: number;
  readonly top_p: number;
  readonly seed: number;
}

/** The longest text a request may carry, in characters (far past any model's max_len in tokens). */
const MAX_TEXT = 20_000;

export function buildModelApi(service: ModelService, options: { readonly token?: string }): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024, ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true } } });
  const fail = (reply: FastifyReply, status: number, code: string, message: string) => reply.status(status).send({ error: { code, message } });
  app.setErrorHandler((error: { name?: string; statusCode?: number; code?: string; message: string; validation?: unknown }, _request, reply) => {
    if (error.name === ('ServeRequestError' satisfies ServeRequestError['name']))
      return fail(reply, 400, error.code ?? MODEL_API_ERROR.badRequest, error.message);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 413, MODEL_API_ERROR.payloadTooLarge, error.message);
    if (error.validation !== undefined || (error.statusCode !== undefined && error.statusCode < 500))
      return fail(reply, error.statusCode ?? 400, MODEL_API_ERROR.badRequest, error.message);
    return fail(reply, 500, MODEL_API_ERROR.internal, error.message);
  });
  app.setNotFoundHandler((request, reply) => fail(reply, 404, MODEL_API_ERROR.notFound, `no route ${request.method} ${request.url}`));
  const token = options.token;
  if (token !== undefined)
    app.addHook('onRequest', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      const header = request.headers.authorization;
      if (!header?.startsWith('Bearer ')) return fail(reply, 401, MODEL_API_ERROR.unauthorized, 'this call needs the token: Authorization: Bearer <token>');
      if (!tokenMatches(header.slice(7).trim(), token)) return fail(reply, 403, MODEL_API_ERROR.forbidden, "the token does not match this server's");
    });

  const { trained } = service;
  app.get('/api/model', async () => ({
    kind: trained.kind,
    name: trained.spec.name,
    step: trained.step,
    max_tokens: service.maxTokens,
    served: service.served,
  }));

  app.post(
    '/api/translate',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: {
            text: { type: 'string', minLength: 1, maxLength: MAX_TEXT, description: 'The sentence to translate.' },
            beam: { type: 'integer', minimum: 1, maximum: 8, default: 1, description: 'Beam size; 1 decodes greedily. Defaults to 1.' },
            sample: {
              type: 'boolean',
              default: false,
              description: 'Draw each token (temperature, top_k, top_p, seed) instead of beam search. Defaults to false.',
            },
            ...TRANSLATION_SAMPLING,
          },
        },
      },
    },
    async (request) => {
      const b = request.body as { text: string; beam: number; sample: boolean } & SamplingBody;
      return {
        translation: await service.translate(b.text, b.beam, b.sample ? { temperature: b.temperature, topK: b.top_k, topP: b.top_p, seed: b.seed } : undefined),
      };
    },
  );

  app.post(
    '/api/generate',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['prompt'],
          properties: {
            prompt: { type: 'string', minLength: 1, maxLength: MAX_TEXT, description: 'Text to continue.' },
            ...SAMPLING,
          },
        },
      },
    },
    async (request) => {
      const b = request.body as { prompt: string } & SamplingBody;
      return {
        text: await service.generate({ prompt: b.prompt, maxTokens: b.max_tokens, temperature: b.temperature, topK: b.top_k, topP: b.top_p, seed: b.seed }),
      };
    },
  );
  app.post(
    '/api/attention',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: {
            text: { type: 'string', minLength: 1, maxLength: MAX_TEXT, description: 'The sentence to translate, or the prompt to continue.' },
            beam: { type: 'integer', minimum: 1, maximum: 8, default: 1, description: 'Beam size of a translation; 1 decodes greedily. Defaults to 1.' },
            sample: { type: 'boolean', default: false, description: 'Sample the translation (temperature, top_k, top_p, seed). Defaults to false.' },
            ...SAMPLING,
          },
        },
      },
    },
    async (request) => {
      const b = request.body as { text: string; beam: number; sample: boolean } & SamplingBody;
      return service.attention(b.text, b.beam, { maxTokens: b.max_tokens, temperature: b.temperature, topK: b.top_k, topP: b.top_p, seed: b.seed }, b.sample);
    },
  );
  return app;
}
