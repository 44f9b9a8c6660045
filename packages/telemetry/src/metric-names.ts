/**
 * Every metric Orquesta emits: OpenTelemetry name (`orquesta.` prefix; Prometheus shows dots as
 * underscores and counters with `_total`; names of values in seconds end in `_seconds`), unit and meaning.
 * Attributes stay low-cardinality: experiment, trial, rank, node, phase, state, agent; a series per trial or rank lives
 * only while its run does.
 */
export const METRIC = {
  trainLoss: {
    name: 'orquesta.train.loss',
    unit: '',
    description: 'Training loss (label-smoothed cross-entropy, nats per target token) at the last progress report.',
  },
  validLoss: { name: 'orquesta.train.valid_loss', unit: '', description: 'Validation loss (nats per target token) at the last evaluation.' },
  validPerplexity: { name: 'orquesta.train.valid_perplexity', unit: '', description: 'Validation perplexity at the last evaluation.' },
  validBleu: {
    name: 'orquesta.train.valid_bleu',
    unit: '',
    description: 'Corpus BLEU (0-100) of greedy translations of the first training.eval_bleu_sentences validation pairs at the last evaluation (translation).',
  },
  learningRate: { name: 'orquesta.train.learning_rate', unit: '', description: 'Learning rate at the last progress report.' },
  gradNorm: { name: 'orquesta.train.grad_norm', unit: '', description: 'Global gradient norm before clipping at the last progress report.' },
  tokensPerSecond: {
    name: 'orquesta.train.tokens_per_second',
    unit: '',
    description: 'Target tokens per second over all ranks since the previous progress report.',
  },
  stepPhase: {
    name: 'orquesta.train.step_phase_seconds',
    unit: 's',
    description:
      "Seconds per step spent in one phase (attribute phase: data, compute, all_reduce, optimizer): every rank's reports of every trial, one series per phase (the cluster's distribution; per trial: step_phase_mean_seconds).",
  },
  stepPhaseMean: {
    name: 'orquesta.train.step_phase_mean_seconds',
    unit: 's',
    description: "Seconds per step spent in one phase (attribute phase), per trial: the mean over its ranks of each rank's latest report.",
  },
  steps: { name: 'orquesta.train.steps', unit: '', description: 'Optimizer steps reported.' },
  memory: {
    name: 'orquesta.train.memory_bytes',
    unit: 'By',
    description:
      "Worker memory in bytes (attribute kind: rss; peak_rss, the peak so far; tensors, tfjs tensor memory; wasm_heap, the wasm backends' heap), per trial: the largest of its ranks' latest reports.",
  },
  busBandwidth: {
    name: 'orquesta.train.all_reduce_bus_bandwidth',
    unit: 'GB/s',
    description:
      "All-reduce bus bandwidth of the last reported step, GB/s (bytes sent per rank / all-reduce seconds), per trial: the lowest of its ranks' latest reports.",
  },
  rankSpeed: {
    name: 'orquesta.train.rank_speed',
    unit: '',
    description:
      "Compute speed relative to the fastest rank of the run (the fastest rank's compute seconds per step / a rank's own, smoothed): 1 = as fast, 0.5 = twice as slow; per trial, its slowest rank's (`orquesta status` lists every rank's).",
  },
  goodput: {
    name: 'orquesta.trial.goodput',
    unit: '',
    description:
      "A trial's goodput: productive step seconds / wall seconds since it was first placed (steps redone after a failure, start-up, recovery, checkpoint saves, evaluation and stalls are not productive).",
  },
  trialTime: {
    name: 'orquesta.trial.time_seconds',
    unit: 's',
    description:
      "Where a trial's wall time went since it was first placed, by `use`: productive, startup, replayed, recovery, evaluation, checkpoint, stalls (they sum to the wall time).",
  },
  bytesSent: {
    name: 'orquesta.train.all_reduce_bytes_sent',
    unit: 'By',
    description: 'Bytes sent in gradient all-reduces, per trial: the sum over its ranks.',
  },
  restarts: { name: 'orquesta.cluster.restarts', unit: '', description: 'Trial restarts from a checkpoint after a failure.' },
  jobs: { name: 'orquesta.cluster.jobs', unit: '', description: 'Trials by state (attribute state).' },
  queueLength: { name: 'orquesta.cluster.queue_length', unit: '', description: 'Trials waiting for slots (queued or preempted).' },
  agentWorkers: { name: 'orquesta.agent.workers', unit: '', description: 'Worker processes this agent runs.' },
  agentOwnSlots: { name: 'orquesta.agent.slots', unit: '', description: 'Slots this agent offers.' },
  agentSlots: { name: 'orquesta.cluster.agent_slots', unit: '', description: "Agents' slots (attributes agent, status: free or used)." },
} as const;

export type MetricKey = keyof typeof METRIC;

/** Histogram bucket boundaries in seconds, 1 ms to 5 minutes (OpenTelemetry's default ones suit milliseconds). */
export const SECONDS_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
