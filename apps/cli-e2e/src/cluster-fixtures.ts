/** Shared pieces of the cluster tests: free ports and small, fast translation specs. */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateFileFetch, type CoordinatorFetch } from '@orquesta/launch';

export { freePort } from '@orquesta/launch';

/**
 * Writes DIR/token with a fresh API token for `orquesta serve --token-file` and exports it as
 * ORQUESTA_TOKEN, so the CLI commands this test runs carry it. Returns the file.
 */
export function testToken(dir: string): string {
  const token = randomBytes(32).toString('hex');
  const file = join(dir, 'token');
  writeFileSync(file, token, { mode: 0o600 });
  process.env['ORQUESTA_TOKEN'] = token;
  return file;
}

/**
 * fetch for the API of a coordinator whose token file is in DIR: it verifies against the certificate
 * `orquesta serve` makes there (DIR/tls.crt) on first start.
 */
export function apiFetch(dir: string): CoordinatorFetch {
  return certificateFileFetch(join(dir, 'tls.crt'));
}

/**
 * Writes DIR/NAME.yaml: a tiny 2-worker translation model on the validation pairs that trains
 * `steps` steps in seconds, checkpointing every 10 steps into DIR/runs/NAME. `resources` and
 * `collective` are the spec's lines of those sections.
 */
export function tinySpec(
  dir: string,
  name: string,
  steps: number,
  resources = 'resources: { workers: 2 }',
  collective = 'collective: { timeout_s: 10 }',
): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'task: translation',
      'data: { train: data/spa-eng/valid.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en, max_len: 16 }',
      'tokenizer: { kind: bpe, vocab_size: 500, shared: true }',
      'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1, max_len: 20 }',
      'optimizer: { kind: adam, lr: 1.0e-3, warmup_steps: 5 }',
      `training: { max_tokens_per_batch: 256, max_steps: ${steps}, log_every_steps: 5, eval_every_steps: ${steps} }`,
      resources,
      collective,
      `checkpoint: { every_steps: 10, keep_last: 2, dir: ${join(dir, 'runs', name)} }`,
    ].join('\n'),
  );
  return file;
}

/** `orquesta agent` arguments for a test agent: one slot on 127.0.0.1, one data-plane port, the repository as its workdir. */
export function agentArgs(coordinator: string, id: string, port: number, workdir: string, stateDir: string): string[] {
  return [
    'agent',
    '--coordinator',
    coordinator,
    '--id',
    id,
    '--slots',
    '1',
    '--advertise-host',
    '127.0.0.1',
    '--ports',
    `${port}-${port}`,
    '--workdir',
    workdir,
    '--state-dir',
    stateDir,
  ];
}
