import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { orquesta, ROOT } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'orquesta-memory-'));

/** configs/transformer-base.yaml with micro-batches of `tokens` and checkpoints under the test's directory. */
function baseSpec(tokens: number): { file: string; checkpoints: string } {
  const checkpoints = join(tmp, `ck-${tokens}`);
  const text = readFileSync(join(ROOT, 'configs/transformer-base.yaml'), 'utf8')
    .replace(/max_tokens_per_batch: \d+/, `max_tokens_per_batch: ${tokens}`)
    .replace(/dir: [^ }]+/, `dir: ${checkpoints}`);
  const file = join(tmp, `base-${tokens}.yaml`);
  writeFileSync(file, text);
  return { file, checkpoints };
}

describe('memory planned before launch', () => {
  it('plan prints each worker figure for the paper-sized configs', () => {
    for (const config of ['configs/transformer-base.yaml', 'configs/transformer-big.yaml']) {
      const run = orquesta(['plan', config, '--coordinator', 'http://127.0.0.1:9']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(
        /memory per worker: wasm heap \d+ MiB of 4096 \(parameters and gradients \d+, activations \d+, runtime \d+; \d+ with every batch full\)/,
      );
      expect(run.stdout).toMatch(/host RSS \d+ MiB \(wasm heap \d+, parameter copies \d+, optimizer state \d+, process \d+; \d+ with every batch full\)/);
    }
  });

  it('plan and train refuse a micro-batch that overflows the wasm heap (exit 2, the field and the largest that fits); train launches nothing', () => {
    const { file, checkpoints } = baseSpec(4096);
    const plan = orquesta(['plan', file, '--coordinator', 'http://127.0.0.1:9', '--json']);
    expect(plan.status).toBe(2);
    const memory = JSON.parse(plan.stdout).memory as { heap: { worstCase: number }; problems: string[] };
    expect(memory.heap.worstCase).toBeGreaterThan(2 ** 32);
    expect(memory.problems[0]).toMatch(/set training.max_tokens_per_batch to at most \d+/);
    const train = orquesta(['train', file, '--quiet']);
    expect(train.status).toBe(2);
    expect(train.stderr).toMatch(/orquesta train: cannot run: wasm heap: \d+ MiB per worker with full batches, over the 4096 MiB a wasm backend can address/);
    expect(train.stderr).not.toContain('[rank 0]');
    expect(existsSync(checkpoints)).toBe(false);
  });
});
