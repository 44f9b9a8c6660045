import { describe, expect, it } from 'vitest';
import { allReduceMeanHook, fp16CompressHook } from './comm-hooks.js';
import { collectiveSettingsFromSpec } from './spec-settings.js';

describe('collectiveSettingsFromSpec', () => {
  it('converts seconds and MB (10^6 bytes) and picks the hook', () => {
    expect(collectiveSettingsFromSpec({ bucket_mb: 25, compression: 'none', timeout_s: 30, shared_memory: 'auto' })).toEqual({ timeoutMs: 30_000, bucketBytes: 25_000_000, hook: allReduceMeanHook });
    expect(collectiveSettingsFromSpec({ bucket_mb: 0.5, compression: 'fp16', timeout_s: 1.5, shared_memory: 'off' })).toEqual({ timeoutMs: 1500, bucketBytes: 500_000, hook: fp16CompressHook });
  });
});
