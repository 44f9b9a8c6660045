/**
 * One rank of `orquesta bench scaling`: trains the benchmark Transformer (model-benchmark.ts) on
 * synthetic batches of its own, data-parallel with the other ranks through the same Trainer and
 * ZeroMQ group as `orquesta train`, and times every step's phases: by default as `orquesta train`
 * runs (buckets reduced as their gradients are read out; all-reduce time hidden behind that is
 * measured), or with `measureIdle` a barrier before the all-reduce, so that waiting for the slowest
 * rank (idle) is told apart from communicating (no overlap then).
 */
import { createInMemoryGroups, createZmqProcessGroup, type GroupEvent, type ProcessGroup } from '@orquesta/collective';
import { selectBackend, type SelectBackendOptions } from '@orquesta/model';
import { buildModel } from '../train/trainable-model.js';
import { Trainer } from '../train/trainer.js';
import { trainerConfigFromSpec } from '../train/trainer-config.js';
import { benchmarkSpec } from './model-benchmark.js';
import { BENCH_VOCAB, syntheticBatch } from './synthetic-batch.js';

export interface ScalingRankConfig {
  readonly rank: number;
  readonly worldSize: number;
  /** Data-plane endpoints by rank (unused for a single rank). */
  readonly endpoints: readonly string[];
  readonly backend: string;
  readonly steps: number;
  readonly warmup: number;
  /** Pairs per rank and step, each `length` source and `length` target tokens. */
  readonly batch: number;
  readonly length: number;
  readonly compression: 'none' | 'fp16';
  /** Barrier before the all-reduce (idle measured, no overlap). */
  readonly measureIdle: boolean;
  /** 'auto': all-reduce through shared memory when every rank runs on this host (as `orquesta train`). */
  readonly sharedMemory: 'auto' | 'off';
  /** collective.algorithm for ranks on several hosts; defaults to auto. */
  readonly algorithm?: 'auto' | 'ring' | 'hierarchical';
}

/** Seconds of one step's phases on this rank. */
export interface StepPhases {
  readonly data: number;
  readonly compute: number;
  readonly idle: number;
  readonly allReduce: number;
  readonly optimizer: number;
  /** All-reduce seconds hidden behind the gradient read-out (not in `allReduce`). */
  readonly allReduceHidden: number;
  readonly total: number;
}

export interface ScalingRankResult {
  readonly rank: number;
  readonly backend: string;
  readonly steps: readonly StepPhases[];
  /** Whether this rank's all-reduces went through shared memory. */
  readonly sharedMemory: boolean;
  /** The all-reduce algorithm and socket ring the group used. */
  readonly algorithm: 'ring' | 'hierarchical';
  readonly ring: 'native' | 'js';
}

/** Runs rank `c.rank`; `backendOptions` set up its backend (see `selectBackend`). */
export async function runScalingRank(c: ScalingRankConfig, backendOptions?: SelectBackendOptions): Promise<ScalingRankResult> {
  const backend = await selectBackend(c.backend, backendOptions);
  const spec = benchmarkSpec(backend, c.length, c.batch, c.worldSize, c.compression);
  let sharedMemory = false;
  let algorithm: 'ring' | 'hierarchical' = 'ring';
  let ring: 'native' | 'js' = 'js';
  const onEvent = (e: GroupEvent): void => {
    if (e.type === 'shared-memory') sharedMemory = e.enabled;
    else if (e.type === 'algorithm') algorithm = e.algorithm;
    else if (e.type === 'transport' && e.scope === 'group') ring = e.transport;
  };
  const group: ProcessGroup =
    c.worldSize === 1
      ? createInMemoryGroups(1)[0]!
      : await createZmqProcessGroup({
          rank: c.rank,
          worldSize: c.worldSize,
          endpoints: [...c.endpoints],
          timeoutMs: 120_000,
          sharedMemory: c.sharedMemory,
          algorithm: c.algorithm ?? 'auto',
          onEvent,
        });
  try {
    const model = buildModel(spec, BENCH_VOCAB);
    const batches = [0, 1, 2].map((i) => syntheticBatch(c.batch, c.length, c.rank * 3 + i + 1));
    let served = 0;
    const trainer = new Trainer(trainerConfigFromSpec(spec), group, model, async () => batches[served++ % batches.length]!, { measureIdle: c.measureIdle });
    await trainer.broadcastParameters();
    const steps: StepPhases[] = [];
    for (let i = 0; i < c.warmup + c.steps; i++) {
      const started = performance.now();
      const { seconds: s, allReduceHidden } = await trainer.trainStep();
      const total = (performance.now() - started) / 1000;
      if (i >= c.warmup) steps.push({ data: s.data, compute: s.compute, idle: s.idle, allReduce: s.allReduce, optimizer: s.optimizer, allReduceHidden, total });
    }
    await trainer.checkReplicas();
    model.dispose();
    return { rank: c.rank, backend, steps, sharedMemory, algorithm, ring };
  } finally {
    await group.close();
  }
}
