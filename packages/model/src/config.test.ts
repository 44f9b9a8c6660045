import { describe, expect, it } from 'vitest';
import { configFromSpec, transformerConfig } from './config.js';
import { ModelConfigError } from './errors.js';

describe('transformerConfig', () => {
  it('fills the documented defaults and freezes the result', () => {
    const config = transformerConfig({ vocabSize: 8000 });
    expect(config).toMatchObject({
      dModel: 256,
      heads: 4,
      dFf: 1024,
      encoderLayers: 3,
      decoderLayers: 3,
      norm: 'pre',
      positional: 'sinusoidal',
      tieEmbeddings: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ dModel: 250 }, 'dModel: 250 is not divisible by heads 4'],
    [{ heads: 0 }, 'heads: must be a positive integer, got 0'],
    [{ dropout: 1 }, 'dropout: must be in [0, 1), got 1'],
    [{ encoderLayers: -1 }, 'encoderLayers: must be >= 0, got -1'],
    [{ padId: 9000 }, 'padId: must be a token id below vocabSize, got 9000'],
  ])('rejects %j naming the field', (fields, message) => {
    expect(() => transformerConfig({ vocabSize: 8000, ...fields })).toThrow(ModelConfigError);
    expect(() => transformerConfig({ vocabSize: 8000, ...fields })).toThrow(message);
  });

  it('maps a validated spec model section field by field', () => {
    const config = configFromSpec(
      {
        d_model: 64,
        heads: 8,
        d_ff: 128,
        encoder_layers: 0,
        decoder_layers: 2,
        dropout: 0.2,
        attention_dropout: 0.1,
        activation: 'gelu',
        norm: 'post',
        max_len: 32,
        positional: 'learned',
        tie_embeddings: false,
      },
      65,
      7,
    );
    expect(config).toMatchObject({
      vocabSize: 65,
      dModel: 64,
      heads: 8,
      dFf: 128,
      encoderLayers: 0,
      decoderLayers: 2,
      dropout: 0.2,
      attentionDropout: 0.1,
      activation: 'gelu',
      norm: 'post',
      maxLen: 32,
      positional: 'learned',
      tieEmbeddings: false,
      seed: 7,
    });
  });
});
