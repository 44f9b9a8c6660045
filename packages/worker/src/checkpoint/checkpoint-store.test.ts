import { mkdtempSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckpointError } from '../errors.js';
import { CheckpointStore } from './checkpoint-store.js';

const files = (step: number) => ({ model: Uint8Array.of(1, 2, step), optimizer: Uint8Array.of(9, step), state: { step } });

describe('CheckpointStore', () => {
  it('writes atomically, reads back, and keeps only the newest keep_last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-ckpt-'));
    const store = new CheckpointStore(dir, 2);
    for (const step of [10, 20, 30]) await store.write(step, files(step));
    expect(readdirSync(dir).sort()).toEqual(['step-00000020', 'step-00000030']);
    const latest = await store.latest();
    expect(latest?.step).toBe(30);
    expect(Array.from(latest!.model)).toEqual([1, 2, 30]);
    expect(latest?.state).toEqual({ step: 30 });
  });

  it('skips a corrupt newest checkpoint and uses the previous one, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-ckpt-'));
    const skipped: CheckpointError[] = [];
    const store = new CheckpointStore(dir, 3, (e) => skipped.push(e));
    await store.write(1, files(1));
    await store.write(2, files(2));
    writeFileSync(join(dir, 'step-00000002', 'model.safetensors'), Uint8Array.of(1, 2, 99)); // same size, other bytes
    expect((await store.latest())?.step).toBe(1);
    expect(skipped[0]?.message).toMatch(/model\.safetensors does not match its sha256/);
  });

  it('detects a truncated file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-ckpt-'));
    const store = new CheckpointStore(dir, 3);
    await store.write(5, files(5));
    truncateSync(join(dir, 'step-00000005', 'optimizer.safetensors'), 1);
    await expect(store.read(5)).rejects.toThrow(/optimizer\.safetensors is 1 bytes, the manifest says 2 \(truncated\?\)/);
    expect(await store.latest()).toBeUndefined();
  });

  it('ignores a partial write left by a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orquesta-ckpt-'));
    const store = new CheckpointStore(dir, 3);
    await store.write(1, files(1));
    writeFileSync(join(dir, '.partial-step-00000002'), 'half');
    expect(await store.steps()).toEqual([1]);
  });
});
