import { describe, expect, it } from 'vitest';
import { EXIT, type CliIO } from '../io.js';
import { benchScalingCommand, blasThreadsPerWorker, summarise } from './bench-scaling.js';

const step = (compute: number, idle: number, total: number) => ({ data: 0, compute, idle, allReduce: 0.1, optimizer: 0.05, allReduceHidden: 0.025, total });

describe('summarise', () => {
  it('takes the slowest rank per step, the mean over ranks per phase, and medians over steps', () => {
    const results = [
      {
        rank: 0,
        backend: 'wasm-native',
        steps: [step(1, 0.2, 1.4), step(1, 0.2, 1.4), step(3, 0, 3.2)],
        sharedMemory: true,
        algorithm: 'ring' as const,
        ring: 'js' as const,
      },
      {
        rank: 1,
        backend: 'wasm-native',
        steps: [step(1.2, 0, 1.5), step(1.2, 0, 1.3), step(1, 2, 3.1)],
        sharedMemory: true,
        algorithm: 'ring' as const,
        ring: 'js' as const,
      },
    ];
    const s = summarise(results, 2048);
    expect(s.steps).toBe(3);
    expect(s.target_tokens_per_step).toBe(4096);
    expect(s.step_s_median).toBe(1.5); // max per step: 1.5, 1.4, 3.2
    expect(s.target_tokens_per_s).toBe(Math.round(4096 / 1.5));
    expect(s.phases_s.compute).toBe(1.1); // means 1.1, 1.1, 2
    expect(s.phases_s.idle).toBe(0.1);
    expect(s.phases_s.allReduce).toBe(0.1);
    expect(s.all_reduce_hidden_s).toBe(0.025);
    expect(s.hidden_fraction).toBe(0.2); // 0.025 of 0.125
  });
});

describe('blasThreadsPerWorker', () => {
  it('gives every worker count the share of the largest with same', () => {
    expect([1, 2].map((w) => blasThreadsPerWorker('same', 2, [1, 2], w))).toEqual([1, 1]);
    expect([1, 2, 8].map((w) => blasThreadsPerWorker('same', 16, [1, 2, 8], w))).toEqual([2, 2, 2]);
    expect(blasThreadsPerWorker('same', 2, [1, 3], 1)).toBe(1); // never below one
  });
  it('gives each count all cores with fill, and a number as is', () => {
    expect([1, 2].map((w) => blasThreadsPerWorker('fill', 2, [1, 2], w))).toEqual([2, 1]);
    expect(blasThreadsPerWorker('3', 2, [1, 2], 2)).toBe(3);
  });
  it.each(['0', 'many', '1.5'])('refuses %s', (mode) => {
    expect(() => blasThreadsPerWorker(mode, 2, [1], 1)).toThrow(`--blas-threads: expected same, fill or a positive integer, got "${mode}"`);
  });
});

describe('benchScalingCommand', () => {
  const flags = {
    workers: '1',
    steps: '1',
    warmup: '0',
    backend: 'auto',
    batch: '2',
    length: '4',
    compression: 'none',
    rankEnv: [],
    hosts: 'local',
    linkRate: '1gbit',
    perHost: '1',
    algorithm: 'auto',
    blasThreads: 'same',
  };
  it.each([
    [{ hosts: 'cloud' }, '--hosts: expected local or netns, got "cloud"'],
    [{ linkRate: 'fast' }, '--link-rate: expected a rate like 1gbit or 500mbit, got "fast"'],
    [{ compression: 'zip' }, '--compression: expected none or fp16'],
    [{ independent: true, workers: '2' }, '--independent: needs 1 among --workers (the single-worker baseline)'],
    [{ blasThreads: 'all' }, '--blas-threads: expected same, fill or a positive integer, got "all"'],
    [{ hosts: 'netns', workers: '3', perHost: '2' }, '--workers 3 is not a multiple of --per-host 2'],
    [{ algorithm: 'tree' }, '--algorithm: expected auto, ring or hierarchical, got "tree"'],
  ])('refuses %o before starting anything', async (bad, message) => {
    const err: string[] = [];
    const code = await benchScalingCommand({ ...flags, ...bad }, { out: () => {}, err: (line: string) => err.push(line) } as unknown as CliIO);
    expect(code).toBe(EXIT.usage);
    expect(err.join('\n')).toContain(message);
  });
});
