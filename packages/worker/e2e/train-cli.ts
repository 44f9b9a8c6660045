import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'apps/cli/bin/orquesta.js');

/** A small translation spec that trains in seconds: 2,000 pairs, a 1,000-token vocabulary, d_model 32. */
export function tinySpec(dir: string, extra = ''): string {
  const file = join(dir, 'tiny.yaml');
  writeFileSync(
    file,
    `name: tiny
task: translation
data: { train: ${join(ROOT, 'data/spa-eng/valid.tsv.gz')}, valid: ${join(ROOT, 'data/spa-eng/valid.tsv.gz')}, source: es, target: en, max_len: 16 }
tokenizer: { kind: bpe, vocab_size: 1000 }
model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1, dropout: 0.1, max_len: 16 }
optimizer: { lr: 1.0e-3, warmup_steps: 5 }
training: { max_tokens_per_batch: 512, max_steps: 20, log_every_steps: 1, eval_every_steps: 10, consistency_every_steps: 5 }
resources: { workers: 2 }
collective: { timeout_s: 5 }
checkpoint: { every_steps: 5, keep_last: 3, dir: ${join(dir, 'run')} }
${extra}`,
  );
  return file;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'orquesta-train-'));
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `orquesta train`; `onStderr` sees each stderr line as it comes. */
export function startTrain(args: readonly string[], onStderr?: (line: string, child: ChildProcess) => void): { child: ChildProcess; done: Promise<Finished> } {
  // Progress lines are printed (not --quiet) only when a test watches them.
  const child = spawn(process.execPath, [BIN, 'train', ...(onStderr ? [] : ['--quiet']), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onStderr?.(line, child);
  });
  // A test that fails must not leave training running: kill the job after 3 minutes.
  const guard = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const done = new Promise<Finished>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, done };
}
