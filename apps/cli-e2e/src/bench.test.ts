/**
 * The benchmark commands as a user runs them, on tiny batches of the full-size benchmark
 * Transformer: they print well-formed results, and bad flags exit 2 with one line.
 */
import { describe, expect, it } from 'vitest';
import { orquesta } from './run-cli.js';

describe('orquesta bench model', () => {
  it('prints one JSON line with the step split and, on wasm-native, the native kernels', { timeout: 60_000 }, () => {
    const run = orquesta(['bench', 'model', '--steps', '1', '--warmup', '0', '--batch', '2', '--length', '8', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
    expect(result).toMatchObject({ benchmark: 'model', parameters: 7_578_624, target_tokens_per_step: 16, steps: 1 });
    expect(result['target_tokens_per_s']).toBeGreaterThan(0);
    if (result['backend'] === 'wasm-native') expect((result['native'] as { kernels: string[] }).kernels).toContain('BatchMatMul');
  });
});

describe('orquesta bench scaling', () => {
  it('runs 1 and 2 workers and reports tokens/s, phases and efficiency', { timeout: 60_000 }, () => {
    const run = orquesta(['bench', 'scaling', '--workers', '1,2', '--steps', '2', '--warmup', '0', '--batch', '2', '--length', '8', '--independent', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | null | Record<string, number>>);
    expect(rows.map((r) => r['workers'])).toEqual([1, 2]);
    expect(rows[0]!['efficiency']).toBe(1);
    expect(rows[0]!['blas_threads_per_worker']).toBe(rows[1]!['blas_threads_per_worker']); // --blas-threads same
    expect(rows[1]!['target_tokens_per_step']).toBe(32);
    expect(rows[1]!['efficiency']).toBeGreaterThan(0);
    expect(rows[0]!['independent_efficiency']).toBeNull();
    expect(rows[1]!['independent_efficiency']).toBeGreaterThan(0);
    expect(Object.keys(rows[1]!['phases_s'] as object).sort()).toEqual(['allReduce', 'compute', 'data', 'idle', 'optimizer']);
  });

  it('rejects a bad worker list with exit 2 and one line', () => {
    const run = orquesta(['bench', 'scaling', '--workers', '1,x']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['orquesta bench scaling: --workers: expected a positive integer, got "x"']);
  });
});

describe('orquesta bench allreduce', () => {
  it('prints time, bandwidths and CPU per rank for each data plane', { timeout: 60_000 }, () => {
    for (const sharedMemory of ['off', 'auto']) {
      const run = orquesta([
        'bench',
        'allreduce',
        '--ranks',
        '2',
        '--bytes',
        '64KiB',
        '--repeats',
        '3',
        '--warmup',
        '1',
        '--shared-memory',
        sharedMemory,
        '--json',
      ]);
      expect(run.status, run.stderr).toBe(0);
      const row = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
      expect(row).toMatchObject({ impl: sharedMemory === 'off' ? 'orquesta-zmq' : 'orquesta-shm', ranks: 2, bytes: 65536, repeats: 3 });
      for (const key of ['median_ms', 'busbw_gbps', 'cpu_ms_per_rank']) expect(row[key], key).toBeGreaterThan(0);
    }
  });
});
