import { describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '@orquesta/protocol';
import { parseProfile, predictStep } from './cost-model.js';
import { parameterCount } from './parameter-count.js';

const base = {
  task: 'translation',
  model: {
    d_model: 256,
    heads: 4,
    d_ff: 1024,
    encoder_layers: 3,
    decoder_layers: 3,
    max_len: 256,
    positional: 'sinusoidal',
    tie_embeddings: true,
    norm: 'pre',
  },
  tokenizer: { kind: 'bpe', vocab_size: 8000, shared: true },
  training: { max_tokens_per_batch: 2048, accumulate: 1 },
  collective: { bucket_mb: 25, compression: 'none', timeout_s: 30, shared_memory: 'auto', transport: 'auto', algorithm: 'auto' },
} as unknown as ExperimentSpec;

describe('parameter count', () => {
  it('matches the benchmark Transformer built by packages/model (7,578,624)', () => {
    expect(parameterCount(base)).toBe(7_578_624);
  });

  it('adds untied output, learned positions and drops final norms for post-LN', () => {
    const untied = { ...base, model: { ...base.model, tie_embeddings: false } };
    expect(parameterCount(untied) - parameterCount(base)).toBe(256 * 8000);
    const learned = { ...base, model: { ...base.model, positional: 'learned' } } as unknown as ExperimentSpec;
    expect(parameterCount(learned) - parameterCount(base)).toBe(256 * 256);
    const post = { ...base, model: { ...base.model, norm: 'post' } } as unknown as ExperimentSpec;
    expect(parameterCount(base) - parameterCount(post)).toBe(4 * 256);
  });
});

describe('step prediction', () => {
  const profile = parseProfile(
    [
      'not json',
      '{"benchmark":"model","backend":"wasm-native","parameters":7578624,"target_tokens_per_s":2048,"optimizer_s_median":0.05}',
      '{"impl":"orquesta-zmq","transport":"tcp","ranks":2,"bytes":4194304,"busbw_gbps":2}',
      '{"impl":"orquesta-zmq","transport":"tcp","ranks":2,"bytes":33554432,"busbw_gbps":1}',
      '{"impl":"orquesta-zmq","transport":"tcp","ranks":4,"bytes":33554432,"busbw_gbps":0.5}',
    ].join('\n'),
  );

  it('adds compute, optimizer and the all-reduce of the nearest measurement', () => {
    const p = predictStep(base, 2, profile);
    expect(p.gradientBytes).toBe(7_578_624 * 4);
    expect(p.seconds.compute).toBeCloseTo(1, 9);
    expect(p.seconds.optimizer).toBeCloseTo(0.05, 9);
    expect(p.seconds.allReduce).toBeCloseTo((7_578_624 * 4 * 1) / 1e9, 9); // 2(N-1)/N = 1, bus 1 GB/s (32 MiB row)
    expect(p.tokensPerSecond).toBeCloseTo((2 * 2048) / (p.seconds.step as number), 6);
    expect(predictStep(base, 4, profile).seconds.allReduce).toBeCloseTo((7_578_624 * 4 * 1.5) / 0.5e9, 9);
  });

  it('needs no all-reduce for one worker, and says what is missing', () => {
    expect(predictStep(base, 1, profile).seconds.allReduce).toBe(0);
    const none = predictStep(base, 2, { model: [], allReduce: [], contention: [] });
    expect(none.seconds.step).toBeNull();
    expect(none.basis).toEqual([
      'compute: no `bench model` measurement in the profile',
      'all-reduce: no `bench allreduce` measurement over the network in the profile (e.g. --ranks 2 --bytes 29MiB)',
    ]);
  });

  it('uses the rows of the data plane the placement gets', () => {
    const both = { ...profile, allReduce: [...profile.allReduce, { impl: 'orquesta-shm', transport: 'shm', ranks: 2, bytes: 67108864, busbw_gbps: 4 }] };
    const gradientBytes = 7_578_624 * 4;
    const oneHost = predictStep(base, 2, both, { ranksPerHost: [2] });
    expect(oneHost.algorithm).toMatchObject({ algorithm: 'shared-memory', reason: 'all 2 workers on one host' });
    expect(oneHost.seconds.allReduce).toBeCloseTo(gradientBytes / 4e9, 9);
    expect(predictStep(base, 2, both, { ranksPerHost: [1, 1] }).seconds.allReduce).toBeCloseTo(gradientBytes / 1e9, 9);
    const fallback = predictStep(base, 2, profile, { ranksPerHost: [2] });
    expect(fallback.seconds.allReduce).toBeCloseTo(gradientBytes / 1e9, 9);
    expect(fallback.basis).toContain("all-reduce: no measurement through shared memory in the profile; using another data plane's");
  });

  it('predicts the hierarchical all-reduce from the cross-host and within-host rows, and the flat ring beside it', () => {
    const rows = parseProfile(
      [
        '{"benchmark":"model","backend":"wasm-native","parameters":7578624,"target_tokens_per_s":2048,"optimizer_s_median":0.05}',
        '{"impl":"orquesta-zmq","transport":"tcp","ranks":2,"bytes":33554432,"busbw_gbps":1.5}',
        '{"impl":"orquesta-zmq","transport":"tcp over netns, tbf 1gbit","ranks":2,"per_host":1,"bytes":67108864,"busbw_gbps":0.11,"link_gbps":0.125}',
        '{"impl":"orquesta-zmq","transport":"tcp over netns, tbf 1gbit","ranks":4,"per_host":1,"bytes":67108864,"busbw_gbps":0.1,"link_gbps":0.125}',
        '{"impl":"torch-gloo","transport":"tcp over netns, tbf 1gbit","ranks":2,"per_host":1,"bytes":67108864,"busbw_gbps":0.5,"link_gbps":0.125}',
        '{"impl":"orquesta-shm","transport":"shm","ranks":2,"bytes":33554432,"busbw_gbps":2}',
      ].join('\n'),
    );
    const S = 7_578_624 * 4;
    const p = predictStep(base, 4, rows, { ranksPerHost: [2, 2], perHost: 2 });
    expect(p.algorithm).toMatchObject({ algorithm: 'hierarchical', hosts: 2, perHost: 2 });
    // across: S x 2(2-1)/2 at the 2-rank between-hosts row (not gloo's, not loopback); within: S x 1 / 2 GB/s, a third exposed (3 pieces of 8 MiB in the 25 MB bucket)
    expect(p.seconds.allReduce).toBeCloseTo(S / 0.11e9 + S / 2e9 / 3, 9);
    expect(p.basis).toContain(`all-reduce: the flat ring would take ${((S * 1.5) / 0.1e9).toFixed(3)} s`);
    const ring = predictStep({ ...base, collective: { ...base.collective, algorithm: 'ring' } } as ExperimentSpec, 4, rows, { ranksPerHost: [2, 2] });
    expect(ring.algorithm).toMatchObject({ algorithm: 'ring', reason: 'collective.algorithm ring' });
    expect(ring.seconds.allReduce).toBeCloseTo((S * 1.5) / 0.1e9, 9);
    expect(predictStep(base, 3, rows, { ranksPerHost: [2, 1] }).algorithm.reason).toBe('the hosts run different numbers of workers (2, 1)');
  });

  it('slows compute and optimizer by the measured contention of the workers sharing a host', () => {
    const measured = parseProfile(
      [
        '{"benchmark":"model","backend":"wasm-native","parameters":7578624,"target_tokens_per_s":2048,"optimizer_s_median":0.05}',
        '{"benchmark":"scaling","workers":2,"efficiency":0.7,"independent_efficiency":0.5}',
        '{"benchmark":"scaling","workers":2,"efficiency":0.75,"independent_efficiency":0.8}',
        '{"benchmark":"scaling","workers":1,"efficiency":1,"independent_efficiency":null}',
      ].join('\n'),
    );
    expect(measured.contention).toEqual([
      expect.objectContaining({ workers: 2, independent_efficiency: 0.5 }),
      expect.objectContaining({ workers: 2, independent_efficiency: 0.8 }),
    ]);
    const shared = predictStep(base, 2, measured, { perHost: 2 });
    expect(shared.seconds.compute).toBeCloseTo(1 / 0.8, 9); // the latest row
    expect(shared.seconds.optimizer).toBeCloseTo(0.05 / 0.8, 9);
    expect(shared.basis[1]).toBe('compute: 2 workers on one host: 2 independent trainings at once ran at 0.800 of alone (bench scaling --independent)');
    expect(predictStep(base, 2, measured, { perHost: 1 }).seconds.compute).toBeCloseTo(1, 9);
    const unmeasured = predictStep(base, 4, measured, { perHost: 4 });
    expect(unmeasured.seconds.compute).toBeCloseTo(1, 9);
    expect(unmeasured.basis[1]).toBe(
      'compute: contention of 4 workers on one host not measured (bench scaling --workers 1,4 --independent); computed as if each had the host to itself',
    );
  });

  it('halves the bytes with fp16 compression', () => {
    const fp16 = { ...base, collective: { ...base.collective, compression: 'fp16' } } as ExperimentSpec;
    expect(predictStep(fp16, 2, profile).gradientBytes).toBe(7_578_624 * 2);
  });
});
