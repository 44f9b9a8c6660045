import { describe, expect, it } from 'vitest';
import { allReduceMeanHook, allReduceSumHook, fp16CompressHook, fp16CompressSumHook } from './comm-hooks.js';
import { collectiveSettingsFromSpec } from './spec-settings.js';

describe('collectiveSettingsFromSpec', () => {
  it('converts seconds and MB (10^6 bytes) and picks the hook', () => {
    expect(
      collectiveSettingsFromSpec({ bucket_mb: 25, compression: 'none', timeout_s: 30, shared_memory: 'auto', transport: 'auto', algorithm: 'auto' }),
    ).toEqual({
      timeoutMs: 30_000,
      bucketBytes: 25_000_000,
      hook: allReduceMeanHook,
    });
    expect(
      collectiveSettingsFromSpec({ bucket_mb: 0.5, compression: 'fp16', timeout_s: 1.5, shared_memory: 'off', transport: 'auto', algorithm: 'auto' }),
    ).toEqual({
      timeoutMs: 1500,
      bucketBytes: 500_000,
      hook: fp16CompressHook,
    });
  });

  it('picks the hook for the requested reduction, mean by default', () => {
    const none = { bucket_mb: 25, compression: 'none', timeout_s: 30, shared_memory: 'auto', transport: 'auto', algorithm: 'auto' } as const;
    const fp16 = { ...none, compression: 'fp16' } as const;
    expect(collectiveSettingsFromSpec(none, 'mean').hook).toBe(allReduceMeanHook);
    expect(collectiveSettingsFromSpec(none, 'sum')).toEqual({ timeoutMs: 30_000, bucketBytes: 25_000_000, hook: allReduceSumHook });
    expect(collectiveSettingsFromSpec(fp16, 'sum').hook).toBe(fp16CompressSumHook);
    expect(collectiveSettingsFromSpec(fp16).hook).toBe(fp16CompressHook);
  });
});
