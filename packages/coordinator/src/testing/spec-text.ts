/** The YAML text of a small translation spec for coordinator tests, with the fields they vary. */
export function spec(
  fields: {
    name?: string;
    workers?: number;
    minWorkers?: number;
    priority?: number;
    maxRestarts?: number;
    search?: string;
    preemptible?: boolean;
    recovery?: string;
    launcher?: 'agents' | 'slurm';
  } = {},
): string {
  return [
    `name: ${fields.name ?? 'exp'}`,
    'task: translation',
    'data: { train: data/spa-eng/train.tsv.gz, valid: data/spa-eng/valid.tsv.gz, source: es, target: en }',
    'tokenizer: { kind: bpe, vocab_size: 1000 }',
    'model: { d_model: 32, heads: 2, d_ff: 64, encoder_layers: 1, decoder_layers: 1 }',
    'optimizer: { kind: adam, lr: 1.0e-3, warmup_steps: 10 }',
    'training: { max_tokens_per_batch: 256, max_steps: 100 }',
    `resources: { workers: ${fields.workers ?? 2}${fields.minWorkers === undefined ? '' : `, min_workers: ${fields.minWorkers}`}${fields.launcher ? `, launcher: ${fields.launcher}` : ''} }`,
    'checkpoint: { every_steps: 50, dir: runs/test }',
    `fault_tolerance: { max_restarts: ${fields.maxRestarts ?? 2}${fields.recovery ? `, ${fields.recovery}` : ''} }`,
    `scheduling: { priority: ${fields.priority ?? 50}, preemptible: ${fields.preemptible ?? true} }`,
    ...(fields.search ? [fields.search] : []),
  ].join('\n');
}
