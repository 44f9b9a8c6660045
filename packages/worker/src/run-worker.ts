/**
 * One worker's whole job:
 *   1. select the backend, join the process group, build the data and the model,
 *   2. resume from the newest usable checkpoint, or start from rank 0's initial weights,
 *   3. train to training.max_steps: progress, evaluation, replica checks and checkpoints on
 *      their schedules; a stop request (signal) on any rank stops every rank after the same step,
 *      with a checkpoint,
 *   4. evaluate and checkpoint at the end, then leave the group.
 * Rank 0 writes checkpoints on a thread while training goes on (checkpoint/checkpoint-saver.ts) unless
 * checkpoint.background is false.
 */
import * as tf from '@tensorflow/tfjs-core';
import { trace } from '@opentelemetry/api';
import { finishStepSpans, startStepSpan, wireContextOf } from '@orquesta/telemetry';
import { CollectiveError, collectiveSettingsFromSpec, createZmqProcessGroup, DEFAULT_SHARED_MEMORY_LIMIT_BYTES, type ProcessGroup } from '@orquesta/collective';
import { nativeKernelReport } from '@orquesta/kernels';
import { selectBackend, wasmHeapBytes, type SelectBackendOptions } from '@orquesta/model';
import type { ExperimentSpec, RankAssignment, WorkerReport } from '@orquesta/protocol';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint/checkpoint-codec.js';
import { CheckpointSaver } from './checkpoint/checkpoint-saver.js';
import { CheckpointStore } from './checkpoint/checkpoint-store.js';
import { CheckpointThread } from './checkpoint/checkpoint-thread-client.js';
import { writeRunSpec } from './checkpoint/run-spec-file.js';
import { PeerRecoveryError, TrainingDivergedError } from './errors.js';
import { buildModel } from './train/trainable-model.js';
import { loadTrainingData } from './train/training-data.js';
import { loadValidationBleu } from './evaluation/validation-bleu.js';
import { Trainer } from './train/trainer.js';
import { TimeUseClock } from './train/time-use-clock.js';
import { GroupGenerations } from './train/group-generations.js';
import type { RegroupOrders } from './train/regroup-orders.js';
import type { SharedState } from './train/share-state.js';
import { trainerConfigFromSpec } from './train/trainer-config.js';

/** One rank's training job: where it sits in the run (as its launcher assigned it), and the validated spec. */
export interface WorkerJob extends Pick<RankAssignment, 'rank' | 'worldSize' | 'peers' | 'curve' | 'peerRecovery' | 'joinGeneration'> {
  readonly spec: ExperimentSpec;
  /** Run id shared by all ranks (names the step traces). Defaults to the experiment name. */
  readonly run?: string;
  /** Backend settings the worker's environment asks for (`backendOptionsFromEnv`). Defaults to none. */
  readonly backendOptions?: SelectBackendOptions;
}

export interface WorkerIO {
  report(report: WorkerReport): void;
  log(line: string): void;
  /** Peer recovery's regroup orders from the launcher; without them a broken group ends the worker. */
  readonly orders?: RegroupOrders;
}

export interface StopSignal {
  readonly requested: boolean;
}

export async function runWorker(setup: WorkerJob, io: WorkerIO, stop: StopSignal): Promise<'max_steps' | 'stopped'> {
  const { rank, worldSize, spec } = setup;
  const { training, checkpoint } = spec;
  const lead = rank === 0;
  /** Where this process's time goes (rank 0 reports it for goodput). */
  const clock = new TimeUseClock();
  io.log(`pid ${process.pid}`);
  const began = performance.now();
  const backend = await selectBackend(spec.resources.backend, setup.backendOptions ?? {});
  const native = backend === 'wasm-native' ? nativeKernelReport() : undefined;
  if (lead && native)
    io.log(
      `native kernels (${native.kernels.length}): ${native.kernels.join(', ')}; OpenBLAS ${native.blas.core}, ${native.blas.threads} thread(s) per worker`,
    );
  const trainerConfig = trainerConfigFromSpec(spec);
  /** Every rank's endpoint; a peer recovery's join order may move one (a replacement on another slot or node). */
  let endpoints: readonly string[] = setup.peers;
  const open = (connectTimeoutMs?: number, moved?: readonly string[]) => {
    if (moved !== undefined) endpoints = moved;
    return createZmqProcessGroup({
      rank,
      worldSize,
      endpoints: [...endpoints],
      timeoutMs: collectiveSettingsFromSpec(spec.collective).timeoutMs,
      // A recovery's group forms on the endpoints of the one just left: wait for their ports (and peers) to free up.
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs, bindRetryMs: Math.min(connectTimeoutMs, 30_000) }),
      sharedMemory: spec.collective.shared_memory,
      sharedMemoryLimitBytes: sharedMemoryLimit(spec),
      transport: spec.collective.transport,
      algorithm: spec.collective.algorithm,
      onEvent: (e) => lead && (e.type === 'shared-memory' || e.type === 'transport' || e.type === 'algorithm') && io.log(`data plane: ${e.detail}`),
      ...(setup.curve ? { curve: setup.curve } : {}),
    });
  };
  // Peer recovery needs its launcher's orders and a replica of the whole state on every rank.
  const generations =
    setup.peerRecovery === true && io.orders !== undefined && !trainerConfig.shard
      ? new GroupGenerations(
          {
            rank,
            open,
            orders: io.orders,
            timeoutMs: spec.fault_tolerance.replacement_timeout_s * 1000,
            report: io.report,
            log: io.log,
            stopped: () => stop.requested,
          },
          setup.joinGeneration ?? 0,
        )
      : undefined;
  const replacement = generations !== undefined && setup.joinGeneration !== undefined;
  if (setup.joinGeneration !== undefined && !replacement) throw new PeerRecoveryError('started as a replacement, but peer recovery is not possible here');
  // Data and model first: a replacement is ready to join only once they are loaded.
  const backendReady = performance.now();
  const data = await loadTrainingData(spec, rank, worldSize);
  const dataReady = performance.now();
  let group: ProcessGroup | undefined;
  let thread: CheckpointThread | undefined;
  try {
    const model = buildModel(spec, data.vocabSize);
    const s = (a: number, b: number) => ((b - a) / 1000).toFixed(2);
    io.log(
      `start-up: ${s(0, began)} s to load the worker, backend ${s(began, backendReady)} s, data ${s(backendReady, dataReady)} s, model ${s(dataReady, performance.now())} s`,
    );
    group = generations ? await generations.open(replacement) : await open();
    if (lead && setup.curve) io.log('data plane: CURVE-encrypted, authenticated by per-run keys');
    const trainer = new Trainer(trainerConfig, group, model, () => data.next());
    const names = [...model.variables.keys()];
    const vars = [...model.variables.values()];
    const store = new CheckpointStore(checkpoint.dir, checkpoint.keep_last, (e) => io.log(`skipping unusable checkpoint: ${e.message}`));
    if (lead) await writeRunSpec(checkpoint.dir, spec);
    if (replacement) {
      const shared = await generations.receiveState(trainer, data);
      clock.reset();
      io.log(`replacement: took rank ${shared.source}'s state of step ${shared.step} in process group ${generations.generation}`);
      if (lead) reportRecovered(io, generations.generation, shared, performance.now() / 1000);
    }
    // The checkpoint's files are read whole; nothing here keeps them past the restore, so they can be freed.
    const resumedFrom = replacement ? trainer.step : await resume(store, trainer, data, names, vars, setup, io);
    if (resumedFrom === null) await trainer.broadcastParameters();
    if (lead && !replacement) {
      io.report({
        v: 1,
        type: 'started',
        rank,
        worldSize,
        backend,
        parameters: vars.reduce((n, v) => n + v.size, 0),
        resumedFrom,
        maxSteps: training.max_steps,
        dataSummary: data.summary,
      });
    }
    const saver = new CheckpointSaver({
      trainer,
      lead,
      thread: lead && checkpoint.background ? (thread = new CheckpointThread(checkpoint.dir, checkpoint.keep_last)) : undefined,
      store,
      encode: (optimizer) =>
        encodeCheckpoint(
          { step: trainer.step, params: trainer.params },
          optimizer,
          names,
          vars.map((v) => v.shape),
          model.config,
          {
            experiment: spec.name,
            task: spec.task,
            worldSize,
            data: data.state(),
          },
        ),
      report: (saved) => io.report({ v: 1, type: 'checkpoint', ...saved }),
    });
    const save = async () => {
      clock.enter('checkpoint');
      await saver.save();
      clock.enter('other');
    };
    const bleu = lead && model.seq2seq && data.tokenizers ? await loadValidationBleu(spec, model.seq2seq, data.tokenizers) : undefined;
    const evaluate = async () => {
      if (data.valid.length === 0) return;
      clock.enter('evaluation');
      const { loss, tokens } = await trainer.evaluate(data.valid);
      const scored = lead && bleu ? await bleu.score() : undefined;
      clock.enter('other');
      if (!lead) return;
      io.report({
        v: 1,
        type: 'evaluation',
        step: trainer.step,
        loss,
        perplexity: Math.exp(loss),
        tokens,
        ...(scored ? { bleu: scored.bleu, bleuSentences: scored.sentences } : {}),
      });
    };
    let windowStart = performance.now();
    let windowTokens = 0;
    let reason: 'max_steps' | 'stopped' = 'max_steps';
    const tracer = trace.getTracer('orquesta');
    // Ring all-reduce: each rank sends 2(N-1)/N of the gradient bytes per step.
    const allReduceBytes = Math.round(
      (vars.reduce((n, v) => n + v.size, 0) * (spec.collective.compression === 'fp16' ? 2 : 4) * 2 * (worldSize - 1)) / worldSize,
    );
    const memory = () => {
      const heap = wasmHeapBytes();
      return {
        rss: process.memoryUsage().rss,
        tensors: tf.memory().numBytes,
        peakRss: process.resourceUsage().maxRSS * 1024,
        ...(heap === undefined ? {} : { wasmHeap: heap }),
      };
    };
    const run = setup.run ?? spec.name;
    /** Compute seconds over the steps since this rank's previous report. */
    let window = { steps: 0, seconds: 0, since: performance.now() };
    const currentGroup = () => generations?.group ?? (group as ProcessGroup);
    /** Peer recovery: a broken group is left and formed again; the state survives in this process. Other errors are thrown. */
    const recoverOrThrow = async (error: unknown): Promise<void> => {
      if (!generations || !(error instanceof CollectiveError)) throw error;
      clock.enter('other');
      const shared = await generations.recover(error, trainer, data, rewindTo, lead ? clock.read() : undefined);
      rewindTo = undefined;
      clock.reset();
      io.log(
        `peer recovery: process group ${generations.generation} formed; every rank holds rank ${shared.source}'s state of step ${shared.step}${shared.replaced.length > 0 ? ` (replaced: ${shared.replaced.join(', ')})` : ''}`,
      );
      if (lead) reportRecovered(io, generations.generation, shared, shared.seconds);
    };
    /** The data state before the step in flight (peer recovery rewinds to it); undefined between steps. */
    let rewindTo: unknown;
    while (trainer.step < training.max_steps) {
      // A turn of the event loop per step: a single worker's step never waits on a socket, and without
      // this its SIGTERM handler (a pause, a drain, a search's early stop) would never run.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        const start = { run, step: trainer.step + 1, rank, worldSize, startMs: performance.timeOrigin + performance.now() };
        clock.enter('steps');
        const span = startStepSpan(tracer, start);
        currentGroup().setTraceContext(wireContextOf(span)); // carried in this step's gradient frames
        rewindTo = generations ? data.state() : undefined;
        const stats = await trainer.trainStep(stop.requested);
        rewindTo = undefined;
        clock.enter('other');
        saver.afterStep();
        finishStepSpans(tracer, span, {
          ...start,
          seconds: stats.seconds,
          tokens: stats.tokens,
          buckets: stats.buckets,
          peers: currentGroup().takePeerTraceContexts(),
        });
        if (!Number.isFinite(stats.loss)) throw new TrainingDivergedError(stats.step);
        windowTokens += stats.tokens;
        const last = stats.step === training.max_steps;
        window.steps++;
        window.seconds += stats.seconds.compute;
        const logStep = stats.step % training.log_every_steps === 0 || last || stats.stop;
        // Between log steps, every rank reports its compute at least every TIMING_REPORT_MS (stragglers).
        const due = !logStep && performance.now() - window.since >= TIMING_REPORT_MS;
        const computeWindow = { steps: window.steps, seconds: window.seconds };
        if (logStep || due) window = { steps: 0, seconds: 0, since: performance.now() };
        if (lead && logStep) {
          const elapsed = (performance.now() - windowStart) / 1000;
          io.report({
            v: 1,
            type: 'progress',
            step: stats.step,
            maxSteps: training.max_steps,
            loss: stats.loss,
            lr: stats.lr,
            gradNorm: stats.gradNorm,
            tokensPerSecond: windowTokens / Math.max(elapsed, 1e-9),
            seconds: stats.seconds,
            memory: memory(),
            allReduceBytes,
            computeWindow,
            time: clock.read(),
          });
          windowStart = performance.now();
          windowTokens = 0;
        } else if (logStep || due) {
          const { data, compute, allReduce, optimizer } = stats.seconds;
          io.report({
            v: 1,
            type: 'timing',
            rank,
            step: stats.step,
            seconds: { data, compute, allReduce, optimizer },
            memory: memory(),
            allReduceBytes,
            computeWindow,
            ...(lead ? { time: clock.read() } : {}),
          });
        }
        if (stats.step % training.consistency_every_steps === 0) await trainer.checkReplicas();
        if (stats.step % training.eval_every_steps === 0 && !last) await evaluate();
        if (stats.stop) {
          reason = 'stopped';
          break;
        }
        if (stats.step % checkpoint.every_steps === 0 && !last) await save();
      } catch (error) {
        await recoverOrThrow(error);
        window = { steps: 0, seconds: 0, since: performance.now() };
        windowStart = performance.now();
        windowTokens = 0;
      }
    }
    // The last replica check and evaluation are collectives too: a rank lost there is replaced as well.
    for (;;) {
      try {
        await trainer.checkReplicas();
        if (reason === 'max_steps') await evaluate();
        break;
      } catch (error) {
        await recoverOrThrow(error);
      }
    }
    await save();
    await saver.finish();
    const peak = memory();
    io.log(`memory: peak RSS ${mib(peak.peakRss)} MiB${peak.wasmHeap === undefined ? '' : `, wasm heap ${mib(peak.wasmHeap)} MiB`}`);
    if (lead) io.report({ v: 1, type: 'done', step: trainer.step, reason });
    data.close();
    model.dispose();
    return reason;
  } finally {
    await thread?.close();
    await (generations ? generations.close() : group?.close());
  }
}

function reportRecovered(io: WorkerIO, generation: number, shared: SharedState, seconds: number): void {
  io.report({ v: 1, type: 'recovered', generation, step: shared.step, source: shared.source, replaced: [...shared.replaced], seconds });
}

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);

/** Longest a rank goes without reporting its compute seconds (timing reports between log steps), ms. */
const TIMING_REPORT_MS = 5000;

/** Restores the newest usable checkpoint into the trainer and the data; resolves with its step, or null when there is none. */
async function resume(
  store: CheckpointStore,
  trainer: Trainer,
  data: Awaited<ReturnType<typeof loadTrainingData>>,
  names: readonly string[],
  vars: readonly tf.Variable[],
  setup: WorkerJob,
  io: WorkerIO,
): Promise<number | null> {
  const { spec, worldSize } = setup;
  const found = await store.latest();
  if (!found) return null;
  const { snapshot, state } = decodeCheckpoint(
    found,
    names,
    vars.map((v) => v.size),
  );
  trainer.restore(snapshot);
  // Elastic runs (resources.min_workers below workers) may resume at another world size.
  const elastic = (spec.resources.min_workers ?? spec.resources.workers) < spec.resources.workers;
  const resize = elastic && state.worldSize !== worldSize;
  if (resize && setup.rank === 0)
    io.log(`resuming a ${state.worldSize}-worker checkpoint with ${worldSize} worker(s): the data continues at the same share of the epoch`);
  data.restore(state.data, { resize });
  return found.step;
}

/** Buckets (bucket_mb) up to 64 MiB, or bigger ones as configured, go through shared memory on one host. */
function sharedMemoryLimit(spec: WorkerJob['spec']): number {
  return Math.max(DEFAULT_SHARED_MEMORY_LIMIT_BYTES, Math.ceil(spec.collective.bucket_mb * 1e6));
}
