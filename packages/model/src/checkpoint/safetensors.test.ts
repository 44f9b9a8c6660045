import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { transformerConfig } from '../config.js';
import { CheckpointFormatError } from '../errors.js';
import { Seq2SeqTransformer } from '../models/seq2seq-transformer.js';
import { loadWeights, readConfig, saveWeights } from './model-weights.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('safetensors', () => {
  it('lays out the header as the format defines: u64 length, JSON padded to 8, offsets into the data', () => {
    const bytes = encodeSafetensors(new Map([['a', { dtype: 'F32', shape: [2], data: Float32Array.of(1.5, -2) }]]), { k: 'v' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.slice(8, 8 + n)).toString());
    expect(header).toEqual({ __metadata__: { k: 'v' }, a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    expect(Array.from(new Float32Array(bytes.slice(8 + n).buffer))).toEqual([1.5, -2]);
  });

  it('round-trips a model bit for bit, with its config in the metadata', async () => {
    const config = transformerConfig({ vocabSize: 30, dModel: 16, heads: 2, dFf: 32, encoderLayers: 1, decoderLayers: 1, maxLen: 8, seed: 11 });
    const a = new Seq2SeqTransformer(config);
    const bytes = await saveWeights(a.variables, config);
    expect(readConfig(bytes)).toEqual(config);
    const b = new Seq2SeqTransformer({ ...config, seed: 12 });
    loadWeights(b.variables, bytes);
    for (const [name, v] of a.variables) {
      const original = new Uint8Array((await v.data()).buffer);
      const restored = new Uint8Array((await b.variables.get(name)!.data()).buffer);
      expect(Buffer.compare(Buffer.from(original), Buffer.from(restored)), name).toBe(0);
    }
    a.dispose();
    b.dispose();
  });

  it('decodes from a Node Buffer with a non-zero offset into pooled memory', () => {
    const encoded = encodeSafetensors(new Map([['w', { dtype: 'F32', shape: [3], data: Float32Array.of(0.25, -1, 3e-8) }]]));
    const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(encoded)]).subarray(3);
    expect(Array.from(decodeSafetensors(pooled).tensors.get('w')!.data)).toEqual([0.25, -1, Math.fround(3e-8)]);
  });

  it('rejects truncated files and wrong shapes with a CheckpointFormatError', async () => {
    const config = transformerConfig({ vocabSize: 30, dModel: 16, heads: 2, dFf: 32, encoderLayers: 1, decoderLayers: 1, maxLen: 8 });
    const model = new Seq2SeqTransformer(config);
    const bytes = await saveWeights(model.variables, config);
    expect(() => decodeSafetensors(bytes.slice(0, bytes.length - 10))).toThrow(CheckpointFormatError);
    expect(() => decodeSafetensors(bytes.slice(0, 5))).toThrow(/too short/);
    const wider = new Seq2SeqTransformer({ ...config, dFf: 64 });
    expect(() => loadWeights(wider.variables, bytes)).toThrow(/checkpoint shape \[16, 32\], model \[16, 64\]/);
    model.dispose();
    wider.dispose();
  });
});
