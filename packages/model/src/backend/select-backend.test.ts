import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { transformerConfig } from '../config.js';
import { BackendUnavailableError } from '../errors.js';
import { Seq2SeqTransformer } from '../models/seq2seq-transformer.js';
import { nativeKernelsAvailable } from '@orquesta/kernels';
import { BACKENDS } from '@orquesta/protocol';
import { AUTO_BACKEND, backendOptionsFromEnv, DAWN_BACKEND_ENV, registeredBackends, resolveBackendName, selectBackend } from './select-backend.js';

describe('selectBackend', () => {
  it('rejects an unknown backend with the registered ones named', async () => {
    await expect(selectBackend('tpu')).rejects.toThrow(/unknown backend "tpu"; registered: wasm, wasm-native, cpu, webgpu/);
  });

  it('knows every backend a spec may name', () => {
    expect([AUTO_BACKEND, ...registeredBackends()].sort()).toEqual([...BACKENDS].sort());
  });

  it('takes the Dawn backend for webgpu from the environment it is given', () => {
    expect(backendOptionsFromEnv({ [DAWN_BACKEND_ENV]: 'vulkan', HOME: '/root' })).toEqual({ dawnBackend: 'vulkan' });
    expect(backendOptionsFromEnv({ [DAWN_BACKEND_ENV]: '' })).toEqual({});
    expect(backendOptionsFromEnv({})).toEqual({});
  });

  it('says how to install tfjs-node when the tensorflow backend is asked for and absent', async () => {
    const error = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toContain('npm install @tensorflow/tfjs-node');
  });

  it('auto means wasm-native where the native kernels are built, wasm elsewhere', async () => {
    expect(resolveBackendName('auto')).toBe(nativeKernelsAvailable() ? 'wasm-native' : 'wasm');
    expect(resolveBackendName('cpu')).toBe('cpu');
    expect(await selectBackend('auto')).toBe(resolveBackendName('auto'));
  });

  it('gives the same logits on cpu, wasm, wasm-native and webgpu for the same weights (within 1e-4)', async () => {
    await selectBackend('cpu');
    const model = new Seq2SeqTransformer(transformerConfig({ vocabSize: 32, dModel: 16, heads: 2, dFf: 32, encoderLayers: 1, decoderLayers: 1, maxLen: 8 }));
    const run = async () => {
      const logits = tf.tidy(() => {
        const enc = model.encode(tf.tensor2d([[4, 5, 6, 2, 0]], undefined, 'int32'));
        return model.logits(model.decode(tf.tensor2d([[1, 7, 8]], undefined, 'int32'), enc));
      });
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      return values;
    };
    const results: Record<string, Float32Array> = {};
    for (const backend of ['cpu', 'wasm', 'wasm-native', 'webgpu']) {
      await selectBackend(backend);
      expect(tf.getBackend()).toBe(backend === 'wasm-native' ? 'wasm' : backend);
      results[backend] = await run();
    }
    for (const backend of ['wasm', 'wasm-native', 'webgpu']) {
      let worst = 0;
      results[backend]!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - results['cpu']![i]!))));
      expect(worst, backend).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});
