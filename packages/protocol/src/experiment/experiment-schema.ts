/**
 * The experiment spec: the YAML document a user submits. This file is the single source of
 * truth: the JSON Schema (draft 2020-12) that validates a spec and the TypeScript types that
 * read one are both derived from the definitions below. Every field documents its unit and
 * default; defaults are applied by the validator (`useDefaults`), nowhere else.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** A closed object: unknown keys are errors (they are usually typos). */
const section = <P extends Record<string, TSchema>>(description: string, properties: P) =>
  Type.Object(properties, { additionalProperties: false, description, default: {} });

/** One of a fixed set of strings, as a JSON Schema enum (one clear error instead of one per branch). */
const choice = <const T extends readonly string[]>(values: T, options: { default?: T[number]; description: string }) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

const positiveInt = (description: string, dflt: number, extra: Record<string, unknown> = {}) =>
  Type.Integer({ minimum: 1, default: dflt, description, ...extra });

const unitInterval = { type: 'number', minimum: 0, exclusiveMaximum: 1 } as const;

/** Where the corpora are and how to read them. Paths are relative to the working directory. */
export const DataSchema = Type.Object(
  {
    train: Type.String({ minLength: 1, description: 'Training corpus: TSV pairs (translation) or plain text (language-model); .gz allowed. Required.' }),
    valid: Type.Optional(Type.String({ minLength: 1, description: 'Validation corpus, same format as train. Defaults to none (no evaluation).' })),
    holdout: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 0.5,
        default: 0,
        description:
          'Language models without data.valid: the fraction (0-0.5) at the end of the train text held out for validation, as nanoGPT splits tiny Shakespeare 90/10. Defaults to 0 (none).',
      }),
    ),
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 16, description: 'Source language code (translation only), e.g. "es". Required for translation.' }),
    ),
    target: Type.Optional(
      Type.String({ minLength: 1, maxLength: 16, description: 'Target language code (translation only), e.g. "en". Required for translation.' }),
    ),
    columns: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      default: { en: 0, es: 1 },
      description: 'Column index (0-based) of each language in the TSV file. Defaults to {en: 0, es: 1} (the spa-eng layout).',
    }),
    max_len: positiveInt('Longest sentence kept, in tokens (after tokenisation, bos/eos included). Defaults to 64.', 64, { maximum: 4096 }),
    overlong: choice(['drop', 'truncate'] as const, {
      default: 'drop',
      description: 'What happens to sentences longer than max_len: drop or truncate. Defaults to drop.',
    }),
    malformed: choice(['skip', 'fail'] as const, {
      default: 'skip',
      description: 'Policy for malformed lines (wrong column count, invalid UTF-8, empty side): skip with a summary, or fail. Defaults to skip.',
    }),
  },
  { additionalProperties: false, description: 'Corpora and how to read them.' },
);

export const TokenizerSchema = section('Subword vocabulary.', {
  kind: choice(['bpe', 'char'] as const, {
    default: 'bpe',
    description: 'bpe (byte-pair encoding, trained on the corpus) or char (one token per character). Defaults to bpe.',
  }),
  vocab_size: positiveInt('Vocabulary size in tokens, special tokens included (bpe only). Defaults to 8000.', 8000, { minimum: 8, maximum: 1_000_000 }),
  shared: Type.Boolean({ default: true, description: 'One vocabulary for source and target (translation). Defaults to true.' }),
});

export const ModelSchema = section('Transformer shape ("Attention Is All You Need").', {
  d_model: positiveInt('Model width in features; must be divisible by heads. Defaults to 256.', 256, { maximum: 65536 }),
  heads: positiveInt('Attention heads. Defaults to 4.', 4, { maximum: 1024 }),
  d_ff: positiveInt('Feed-forward inner width in features. Defaults to 1024.', 1024, { maximum: 262144 }),
  encoder_layers: Type.Integer({
    minimum: 0,
    maximum: 128,
    default: 3,
    description: 'Encoder blocks. Defaults to 3 for translation and 0 for a language-model (which must have none).',
  }),
  decoder_layers: positiveInt('Decoder blocks. Defaults to 3.', 3, { maximum: 128 }),
  dropout: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.1, description: 'Residual and embedding dropout probability. Defaults to 0.1.' }),
  attention_dropout: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0, description: 'Dropout probability on attention weights. Defaults to 0.' }),
  activation: choice(['relu', 'gelu'] as const, { default: 'relu', description: 'Feed-forward activation. Defaults to relu.' }),
  norm: choice(['pre', 'post'] as const, { default: 'pre', description: 'Layer-norm placement: pre-LN or post-LN. Defaults to pre.' }),
  max_len: positiveInt('Longest sequence the positional encoding covers, in tokens. Defaults to 256.', 256, { maximum: 65536 }),
  positional: choice(['sinusoidal', 'learned'] as const, { default: 'sinusoidal', description: 'Positional encoding. Defaults to sinusoidal.' }),
  tie_embeddings: Type.Boolean({ default: true, description: 'Share input embeddings and the output projection. Defaults to true.' }),
});

export const OptimizerSchema = section('Optimizer and learning-rate schedule.', {
  kind: choice(['adam', 'adamw', 'sgd'] as const, { default: 'adam', description: 'Optimizer. Defaults to adam.' }),
  lr: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 7e-4, description: 'Peak learning rate (reached at the end of warmup). Defaults to 7e-4.' }),
  betas: Type.Unsafe<[number, number]>({
    type: 'array',
    prefixItems: [unitInterval, unitInterval],
    items: false,
    minItems: 2,
    default: [0.9, 0.98],
    description: 'Adam beta1, beta2, each in [0, 1). Defaults to [0.9, 0.98].',
  }),
  eps: Type.Number({ exclusiveMinimum: 0, default: 1e-9, description: 'Adam epsilon. Defaults to 1e-9.' }),
  weight_decay: Type.Number({ minimum: 0, default: 0, description: 'Decoupled weight decay (adamw) or L2 (sgd). Defaults to 0.' }),
  warmup_steps: Type.Integer({
    minimum: 0,
    default: 4000,
    description: 'Linear warmup length in optimizer steps; must be below training.max_steps. Defaults to 4000.',
  }),
  schedule: choice(['inverse_sqrt', 'cosine', 'constant'] as const, {
    default: 'inverse_sqrt',
    description: 'Decay after warmup. Defaults to inverse_sqrt.',
  }),
  clip_norm: Type.Number({ minimum: 0, default: 1.0, description: 'Global gradient-norm clip; 0 disables clipping. Defaults to 1.0.' }),
  shard: Type.Boolean({
    default: false,
    description:
      "Shard the optimizer state across the workers (ZeRO stage 1): each keeps Adam's moments for 1/N of the parameters; gradients are reduce-scattered and the updated parameters gathered (the bytes of one all-reduce); the parameters stay bit-identical to an unsharded run's. Defaults to false.",
  }),
});

export const TrainingSchema = section('The training loop.', {
  max_tokens_per_batch: positiveInt('Token budget of one micro-batch per worker, padding included. Defaults to 4096.', 4096, { maximum: 16_777_216 }),
  accumulate: positiveInt('Micro-batches per optimizer step (gradient accumulation). Defaults to 1.', 1, { maximum: 1024 }),
  max_steps: positiveInt('Optimizer steps to train. Defaults to 20000.', 20000),
  label_smoothing: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.1, description: 'Label smoothing epsilon. Defaults to 0.1.' }),
  seed: Type.Integer({ minimum: 0, maximum: 4294967295, default: 1, description: 'Seed for weights, dropout and data order. Defaults to 1.' }),
  eval_every_steps: positiveInt('Validation loss every this many steps. Defaults to 1000.', 1000),
  eval_bleu_sentences: Type.Integer({
    minimum: 0,
    default: 200,
    description:
      'Validation pairs (the first ones of data.valid) that rank 0 translates greedily at each evaluation to report BLEU (translation only); 0 turns it off. Defaults to 200.',
  }),
  log_every_steps: positiveInt('Progress line every this many steps. Defaults to 50.', 50),
  consistency_every_steps: positiveInt('Cross-rank parameter checksum every this many steps. Defaults to 500.', 500),
});

export const BACKENDS = ['auto', 'wasm', 'wasm-native', 'cpu', 'tensorflow', 'tensorflow-gpu', 'webgpu'] as const;

export const ResourcesSchema = section('Where and how wide to run.', {
  workers: positiveInt('Data-parallel worker processes (world size). Defaults to 1.', 1, { maximum: 4096 }),
  slots_per_worker: positiveInt('Slots (GPUs or CPU cores) each worker occupies. Defaults to 1.', 1, { maximum: 64 }),
  min_workers: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 4096,
      description:
        'Elastic training under `orquesta serve` (agents launcher): when a start or a restart after a lost node finds fewer free slots than `workers`, run on as many as are free down to this many, resuming the last checkpoint at that world size, and grow back to `workers` (via a checkpoint) once the slots return. Defaults to `workers`: the trial waits for all of them.',
    }),
  ),
  backend: choice(BACKENDS, {
    default: 'auto',
    description: `Compute backend: ${BACKENDS.join(' | ')}. Defaults to auto: wasm-native where the native kernels are built, else wasm.`,
  }),
  launcher: choice(['agents', 'slurm'] as const, {
    default: 'agents',
    description:
      "Who starts the workers under `orquesta serve`: agents (Orquesta's node agents and gang scheduler) or slurm (the gang is one sbatch job, one task per worker; Slurm places it). Defaults to agents.",
  }),
  gpus_per_worker: Type.Integer({
    minimum: 0,
    maximum: 64,
    default: 0,
    description: 'GPUs each worker needs with the slurm launcher (sbatch --gpus-per-task). Defaults to 0.',
  }),
  partition: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[A-Za-z0-9_.-]+$',
      description: 'Slurm partition (slurm launcher). Defaults to the cluster default.',
    }),
  ),
});

export const CollectiveSchema = section('Gradient communication.', {
  bucket_mb: Type.Number({ exclusiveMinimum: 0, maximum: 4096, default: 25, description: 'Gradient bucket size in MB (10^6 bytes). Defaults to 25.' }),
  compression: choice(['none', 'fp16'] as const, { default: 'none', description: 'Wire compression of gradients. Defaults to none.' }),
  timeout_s: Type.Number({
    exclusiveMinimum: 0,
    maximum: 86400,
    default: 30,
    description: 'Seconds before a stuck collective fails naming the ranks it waits for. Defaults to 30.',
  }),
  shared_memory: choice(['auto', 'off'] as const, {
    default: 'auto',
    description:
      'auto: when all workers of a run share one host and /dev/shm has room for 2 x max(64 MiB, bucket_mb) per worker, gradients are all-reduced through shared memory instead of sockets, summed in float32 whatever the compression; off: always over the network (and no hierarchical all-reduce). Defaults to auto.',
  }),
  transport: choice(['auto', 'native', 'js'] as const, {
    default: 'auto',
    description:
      'The ring that carries float32 gradients over sockets: native (C over libzmq, off the JavaScript thread; built by npm ci where libzmq3-dev is installed; the run fails if a worker cannot use it), js (the TypeScript ring), auto (native when every worker can use it, else js). The worker log names the one used. Defaults to auto.',
  }),
  algorithm: choice(['auto', 'ring', 'hierarchical'] as const, {
    default: 'auto',
    description:
      'All-reduce across hosts. hierarchical: within each host through shared memory, then one ring per local worker across hosts (each carries 1/L of the gradients over the network), then within the host again; needs the same number (at least 2) of workers on every host and shared_memory auto, and the run fails otherwise; ring: one flat ring over all workers; auto: hierarchical when the placement allows it, else ring. Workers all on one host use shared memory (shared_memory) whatever this says. Defaults to auto.',
  }),
});

export const CheckpointSchema = section('Checkpoints.', {
  every_steps: positiveInt('Checkpoint every this many optimizer steps. Defaults to 1000.', 1000),
  keep_last: positiveInt('Checkpoints kept on disk, newest first. Defaults to 3.', 3, { maximum: 1000 }),
  dir: Type.String({ minLength: 1, default: 'runs/experiment', description: 'Directory for checkpoints and logs. Defaults to runs/experiment.' }),
  background: Type.Boolean({
    default: true,
    description:
      "Write checkpoints on a thread of rank 0's process while training goes on: the state is copied in memory at the step boundary (rank 0 holds one more copy of the parameters and the whole optimizer state while a write runs), hashed and written off the training loop, atomically as always. false: the loop waits for the disk, streaming sharded moments without holding them. Defaults to true.",
  }),
});

export const FaultToleranceSchema = section('Recovery from failed workers.', {
  max_restarts: Type.Integer({
    minimum: 0,
    maximum: 1000,
    default: 3,
    description: 'Restarts from the last checkpoint before the experiment fails. Defaults to 3.',
  }),
  recovery: choice(['checkpoint', 'peer'] as const, {
    default: 'checkpoint',
    description:
      "What a failed worker costs. checkpoint: every rank stops and the trial restarts from its last checkpoint. peer: the other ranks keep their state and wait; a replacement starts in the failed rank's slot (or, when its node is gone or draining, in a free slot of another node; under Slurm, in the failed rank's own task), receives the parameters, optimizer state and data position from a surviving rank, and every rank redoes only the interrupted step (the parameters stay bit-identical to an uninterrupted run). Falls back to checkpoint when no rank survives, no slot can take the replacement, the optimizer is sharded (optimizer.shard), a Slurm task or node is lost (Slurm ends the job), or a recovery fails. Defaults to checkpoint.",
  }),
  max_replacements: Type.Integer({
    minimum: 0,
    maximum: 100000,
    default: 100,
    description: 'Replacement workers (recovery peer) a trial may start; past it failures restart from the checkpoint. Defaults to 100.',
  }),
  replacement_timeout_s: Type.Number({
    exclusiveMinimum: 0,
    maximum: 3600,
    default: 120,
    description:
      'Seconds a peer recovery may take, from the failure until every rank holds the shared state; past it the trial restarts from its last checkpoint. Defaults to 120.',
  }),
  replace_stragglers: Type.Boolean({
    default: false,
    description:
      "With recovery peer: a worker named a straggler (computing below 0.7 of the fastest rank's speed for 10 s) is stopped and replaced, by peer recovery, in a free slot elsewhere (never its own); without a free slot it keeps running and an event says so. Defaults to false.",
  }),
});

export const SchedulingSchema = section('Cluster queue placement.', {
  priority: Type.Integer({ minimum: 0, maximum: 100, default: 50, description: 'Queue priority, 0 (lowest) to 100. Defaults to 50.' }),
  preemptible: Type.Boolean({ default: true, description: 'Whether higher-priority jobs may preempt this one. Defaults to true.' }),
});

/** A range of real values a random or ASHA search draws from: uniform, or uniform in log space. */
export const SearchRangeSchema = Type.Object(
  {
    min: Type.Number({ description: 'Smallest value (inclusive). Required.' }),
    max: Type.Number({ description: 'Largest value (inclusive). Required.' }),
    scale: choice(['linear', 'log'] as const, {
      default: 'linear',
      description: 'linear (uniform) or log (uniform in log space; min must be above 0). Defaults to linear.',
    }),
  },
  { additionalProperties: false, description: 'Real values between min and max.' },
);

/** A range of integers a random or ASHA search draws from, both ends included. */
export const SearchIntRangeSchema = Type.Object(
  {
    int: Type.Unsafe<readonly [number, number]>(
      Type.Array(Type.Integer(), { minItems: 2, maxItems: 2, description: '[lowest, highest], both included. Required.' }),
    ),
  },
  { additionalProperties: false, description: 'Integers from int[0] to int[1].' },
);

export const SearchValuesListSchema = Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000, description: 'The values to try.' });

export type SearchRange = Static<typeof SearchRangeSchema>;
export type SearchIntRange = Static<typeof SearchIntRangeSchema>;
/** What a search tries for one field: listed values, a real range or an integer range. */
export type SearchValues = readonly unknown[] | SearchRange | SearchIntRange;

/** Picks the branch by the value's form (a list, {int}, else a range), so a bad value gets that branch's errors only. */
const SearchValuesSchema = Type.Unsafe<SearchValues>({
  if: { type: 'array' },
  then: SearchValuesListSchema,
  else: { if: { type: 'object', properties: { int: true }, required: ['int'] }, then: SearchIntRangeSchema, else: SearchRangeSchema },
  description: 'A list of values, {min, max, scale: linear | log} or {int: [a, b]}.',
});

export const SEARCH_KINDS = ['grid', 'random', 'asha'] as const;
export const SEARCH_METRICS = ['validation_loss', 'bleu'] as const;

export const SearchSchema = Type.Object(
  {
    kind: choice(SEARCH_KINDS, {
      default: 'grid',
      description:
        'grid (every combination of listed values), random (max_trials points drawn with training.seed) or asha (max_trials points, each trained in rungs of steps; after each rung only the best 1/reduction_factor go on, the rest stop at a checkpoint). Defaults to grid.',
    }),
    parameters: Type.Record(Type.String({ pattern: '^[a-z_]+(\\.[a-z_0-9]+)+$' }), SearchValuesSchema, {
      description:
        'Dotted spec field -> values to try: a list ({optimizer.lr: [3e-4, 7e-4]}), a range ({min: 1e-4, max: 3e-3, scale: log}) or integers ({int: [50, 400]}); ranges need kind random or asha. Required.',
      additionalProperties: false,
      minProperties: 1,
    }),
    max_trials: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10000,
        description: 'Trials to run (random and asha). Defaults to 10, or with asha and sampler grid to the grid size (at most that).',
      }),
    ),
    sampler: choice(['random', 'grid'] as const, {
      default: 'random',
      description:
        'How asha picks its trials: random draws, or every point of the grid of listed values in a seeded random order (to compare with a grid search point for point). Defaults to random.',
    }),
    max_steps: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'asha: steps of a trial that is never stopped (its training.max_steps, the budget). Defaults to training.max_steps.',
      }),
    ),
    min_steps: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'asha: steps of the first rung; rung k ends at min_steps * reduction_factor^k (below max_steps); must be a multiple of training.eval_every_steps. Defaults to max_steps / reduction_factor^2 rounded down to a multiple of training.eval_every_steps.',
      }),
    ),
    reduction_factor: Type.Integer({
      minimum: 2,
      maximum: 16,
      default: 3,
      description: 'asha: 1 in reduction_factor trials goes on at each rung (eta). Defaults to 3.',
    }),
    metric: choice(SEARCH_METRICS, {
      default: 'validation_loss',
      description:
        'asha: what ranks trials at a rung: validation_loss (lower is better) or bleu (higher is better; translation with training.eval_bleu_sentences > 0). Defaults to validation_loss.',
    }),
  },
  { additionalProperties: false, description: 'Hyper-parameter search: one trial per point.' },
);

export const ExperimentSpecSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z0-9][a-z0-9._-]{0,62}$',
      description: 'Experiment name: lowercase letters, digits, ".", "_" and "-", at most 63 characters. Required.',
    }),
    task: choice(['translation', 'language-model'] as const, { description: 'translation (encoder-decoder) or language-model (decoder-only). Required.' }),
    description: Type.Optional(Type.String({ maxLength: 4096, description: 'Free text shown in listings. Defaults to none.' })),
    data: DataSchema,
    tokenizer: TokenizerSchema,
    model: ModelSchema,
    optimizer: OptimizerSchema,
    training: TrainingSchema,
    resources: ResourcesSchema,
    collective: CollectiveSchema,
    checkpoint: CheckpointSchema,
    fault_tolerance: FaultToleranceSchema,
    scheduling: SchedulingSchema,
    search: Type.Optional(SearchSchema),
  },
  {
    $id: 'https://orquesta.dev/schemas/experiment.json',
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Orquesta experiment spec',
    additionalProperties: false,
  },
);

/** A validated spec with every default filled in. Read-only once validated. */
export type ExperimentSpec = Static<typeof ExperimentSpecSchema>;
export type DataSpec = ExperimentSpec['data'];
export type TokenizerSpec = ExperimentSpec['tokenizer'];
export type ModelSpec = ExperimentSpec['model'];
export type OptimizerSpec = ExperimentSpec['optimizer'];
export type TrainingSpec = ExperimentSpec['training'];
export type ResourcesSpec = ExperimentSpec['resources'];
export type CollectiveSpec = ExperimentSpec['collective'];
export type CheckpointSpec = ExperimentSpec['checkpoint'];
export type SearchSpec = NonNullable<ExperimentSpec['search']>;
export type Backend = (typeof BACKENDS)[number];
