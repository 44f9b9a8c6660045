/**
 * Transformer shape and regularisation. Field names follow the experiment spec's `model`
 * section (camelCase here); `configFromSpec` maps one to the other without re-defaulting.
 */
import type { ModelSpec } from '@orquesta/protocol';
import { ModelConfigError } from './errors.js';

export interface TransformerConfig {
  /** Vocabulary size in tokens, special tokens included; shared by source and target. Required. */
  readonly vocabSize: number;
  /** Model width in features; divisible by heads. Defaults to 256. */
  readonly dModel: number;
  /** Attention heads. Defaults to 4. */
  readonly heads: number;
  /** Feed-forward inner width in features. Defaults to 1024. */
  readonly dFf: number;
  /** Encoder blocks (0 for a decoder-only model). Defaults to 3. */
  readonly encoderLayers: number;
  /** Decoder blocks. Defaults to 3. */
  readonly decoderLayers: number;
  /** Residual and embedding dropout probability. Defaults to 0.1. */
  readonly dropout: number;
  /** Dropout probability on attention weights. Defaults to 0. */
  readonly attentionDropout: number;
  /** Feed-forward activation. Defaults to relu. */
  readonly activation: 'relu' | 'gelu';
  /** Layer-norm placement. Defaults to pre (pre-LN). */
  readonly norm: 'pre' | 'post';
  /** Longest sequence in tokens that positions are encoded for. Defaults to 256. */
  readonly maxLen: number;
  /** Positional encoding. Defaults to sinusoidal. */
  readonly positional: 'sinusoidal' | 'learned';
  /** Output projection shares the input embedding matrix. Defaults to true. */
  readonly tieEmbeddings: boolean;
  /** Seed for weight initialisation and dropout. Defaults to 1. */
  readonly seed: number;
  /** Id of the padding token (ignored by masks and the loss). Defaults to 0. */
  readonly padId: number;
}

export function defaultTransformerConfig(vocabSize: number): TransformerConfig {
  return {
    vocabSize,
    dModel: 256,
    heads: 4,
    dFf: 1024,
    encoderLayers: 3,
    decoderLayers: 3,
    dropout: 0.1,
    attentionDropout: 0,
    activation: 'relu',
    norm: 'pre',
    maxLen: 256,
    positional: 'sinusoidal',
    tieEmbeddings: true,
    seed: 1,
    padId: 0,
  };
}

/** Fills defaults, validates, freezes. @throws {ModelConfigError} naming the bad field. */
export function transformerConfig(fields: Partial<TransformerConfig> & { vocabSize: number }): TransformerConfig {
  const config = { ...defaultTransformerConfig(fields.vocabSize), ...fields };
  const positive = ['vocabSize', 'dModel', 'heads', 'dFf', 'decoderLayers', 'maxLen'] as const;
  for (const key of positive) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new ModelConfigError(key, `must be a positive integer, got ${config[key]}`);
  }
  if (!Number.isInteger(config.encoderLayers) || config.encoderLayers < 0)
    throw new ModelConfigError('encoderLayers', `must be >= 0, got ${config.encoderLayers}`);
  if (config.dModel % config.heads !== 0) throw new ModelConfigError('dModel', `${config.dModel} is not divisible by heads ${config.heads}`);
  for (const key of ['dropout', 'attentionDropout'] as const) {
    if (!(config[key] >= 0 && config[key] < 1)) throw new ModelConfigError(key, `must be in [0, 1), got ${config[key]}`);
  }
  if (config.padId < 0 || config.padId >= config.vocabSize) throw new ModelConfigError('padId', `must be a token id below vocabSize, got ${config.padId}`);
  return Object.freeze(config);
}

/** The spec's validated `model` section plus what the data pipeline decided (vocabulary size). */
export function configFromSpec(model: ModelSpec, vocabSize: number, seed: number): TransformerConfig {
  return transformerConfig({
    vocabSize,
    dModel: model.d_model,
    heads: model.heads,
    dFf: model.d_ff,
    encoderLayers: model.encoder_layers,
    decoderLayers: model.decoder_layers,
    dropout: model.dropout,
    attentionDropout: model.attention_dropout,
    activation: model.activation,
    norm: model.norm,
    maxLen: model.max_len,
    positional: model.positional,
    tieEmbeddings: model.tie_embeddings,
    seed,
  });
}
