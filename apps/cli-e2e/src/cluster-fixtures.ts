/** Shared pieces of the cluster tests: free ports and small, fast translation specs. */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { coordinatorFetch, type CoordinatorFetch } from '@orquesta/launch';

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
 * fetch for the API of a coordinator whose token file is in DIR: `orquesta serve` makes its self-signed
 * certificate there (DIR/tls.crt) on first start, and this verifies against it (as `--ca` does). Until
 * the file holds a whole certificate, calls fail (a test polling for the coordinator tries again).
 */
export function apiFetch(dir: string): CoordinatorFetch {
  const file = join(dir, 'tls.crt');
  let fetcher: CoordinatorFetch | undefined;
  return async (url, init) => {
    if (fetcher === undefined) {
      const pem = readFileSync(file, 'utf8');
      if (!pem.includes('-----END CERTIFICATE-----')) throw new Error(`${file} is not written yet`);
      fetcher = coordinatorFetch({ ca: { pem, file }, knownFile: join(dir, 'unused-known.json') });
    }
    return fetcher(url, init);
  };
}

/** A TCP port the OS reports free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
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
