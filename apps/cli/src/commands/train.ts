/**
 * `orquesta train SPEC [--workers N] [--set k=v ...]`: validates the spec, runs its workers on
 * this machine through the embedded coordinator (the scheduler, job state machine and restarts of
 * `orquesta serve`, with one in-process agent), shows progress (step, loss, tokens/s, ETA) and ends
 * with a summary. A dead worker restarts the run from its last checkpoint, up to
 * fault_tolerance.max_restarts times. Ctrl-C or SIGTERM checkpoints and stops; a second Ctrl-C kills
 * the workers.
 */
import { fileURLToPath } from 'node:url';
import { freemem } from 'node:os';
import { formatMemoryPlan, planMemory, startEmbeddedRun, type EventRow } from '@orquesta/coordinator';
import { formatProblem, loadSpecFile } from '@orquesta/spec';
import type { AgentMessage, WorkerReport } from '@orquesta/protocol';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { ProgressLine } from '../progress-line.js';
import { median } from './bench-util.js';

export interface TrainFlags {
  readonly workers?: string;
  readonly set: string[];
  readonly quiet?: boolean;
}

export async function trainCommand(file: string, flags: TrainFlags, io: CliIO, stream: NodeJS.WriteStream = process.stderr): Promise<ExitCode> {
  const loaded = await loadSpecFile(file, { overrides: flags.set });
  if (!loaded.ok) {
    for (const problem of loaded.problems) io.out(formatProblem(problem));
    return EXIT.usage;
  }
  const spec = loaded.spec;
  const workers = flags.workers === undefined ? spec.resources.workers : Number(flags.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    io.err(`orquesta train: --workers must be an integer from 1 to 256, got ${JSON.stringify(flags.workers)}`);
    return EXIT.usage;
  }
  // Every worker runs on this machine: refuse a spec whose memory cannot fit (in the memory available now) before starting any.
  const memory = planMemory(spec, workers, { hostBytes: freemem(), perHost: workers });
  if (memory.problems.length > 0) {
    for (const line of formatMemoryPlan(memory)) io.err(`orquesta train: ${line}`);
    return EXIT.usage;
  }
  const workerMain = fileURLToPath(import.meta.resolve('@orquesta/worker/main'));
  const progress = new ProgressLine(stream, flags.quiet === true);
  const started = performance.now();
  let last: Extract<WorkerReport, { type: 'progress' }> | undefined;
  let lastEval: Extract<WorkerReport, { type: 'evaluation' }> | undefined;
  let lastCheckpoint: string | undefined;
  const split = { data: 0, step: 0 };
  /** Rank 0's step seconds as reported (one per progress report), and each checkpoint's cost to the loop and write seconds. */
  const stepSeconds: number[] = [];
  const saves: { blocking: number; write: number }[] = [];
  /** Rank 0's seconds from leaving a broken group to training again, per peer recovery. */
  const recoveries: number[] = [];
  io.err(
    `orquesta train: ${spec.name} (${spec.task}) on ${workers} worker${workers === 1 ? '' : 's'}, backend ${spec.resources.backend}, checkpoints in ${spec.checkpoint.dir}`,
  );
  for (const line of formatMemoryPlan(memory)) io.err(`orquesta train: ${line}`);
  const onReport = (report: WorkerReport) => {
    switch (report.type) {
      case 'started':
        progress.log(
          `${(report.parameters / 1e6).toFixed(2)} M parameters on ${report.backend}; ${report.resumedFrom === null ? 'starting from step 0' : `resuming from step ${report.resumedFrom}`}`,
        );
        for (const line of report.dataSummary) progress.log(`data: ${line}`);
        break;
      case 'progress': {
        last = report;
        const { data, compute, allReduce, optimizer } = report.seconds;
        split.data += data;
        split.step += data + compute + allReduce + optimizer;
        stepSeconds.push(data + compute + allReduce + optimizer);
        const elapsed = (performance.now() - started) / 1000;
        const eta = report.tokensPerSecond > 0 ? (report.maxSteps - report.step) * (elapsed / Math.max(1, report.step)) : 0;
        progress.update(
          report.step,
          report.maxSteps,
          `loss ${report.loss.toFixed(3)}  lr ${report.lr.toExponential(2)}  ${Math.round(report.tokensPerSecond)} tok/s  ETA ${formatSeconds(eta)}`,
        );
        break;
      }
      case 'timing':
        break;
      case 'evaluation':
        lastEval = report;
        progress.log(
          `step ${report.step}: validation loss ${report.loss.toFixed(3)}, perplexity ${report.perplexity.toFixed(2)} (${report.tokens} tokens)` +
            (report.bleu === undefined ? '' : `, BLEU ${report.bleu.toFixed(2)} (greedy, ${report.bleuSentences} pairs)`),
        );
        break;
      case 'checkpoint':
        lastCheckpoint = report.path;
        if (report.blockingSeconds !== undefined) saves.push({ blocking: report.blockingSeconds, write: report.writeSeconds ?? 0 });
        progress.log(
          `checkpoint step ${report.step}: ${report.path}` +
            (report.blockingSeconds === undefined
              ? ''
              : ` (training loop held ${formatMs(report.blockingSeconds)}, write ${formatMs(report.writeSeconds ?? 0)})`),
        );
        break;
      case 'done':
        progress.log(`finished at step ${report.step} (${report.reason === 'stopped' ? 'stopped on request' : 'reached max_steps'})`);
        break;
      case 'failed':
        progress.log(`rank ${report.rank} failed: ${report.error}: ${report.message}`);
        break;
      case 'regroup':
        break; // the coordinator's peer-recovery events say what happens
      case 'recovered':
        recoveries.push(report.seconds);
        break;
      default: {
        const unreachable: never = report;
        progress.log(`unknown report ${JSON.stringify(unreachable)}`);
      }
    }
  };
  const onMessage = (message: AgentMessage) => {
    if (message.type === 'worker-report') onReport(message.report);
    else if (message.type === 'worker-log') for (const line of message.lines) progress.log(`[rank ${message.rank}] ${line}`);
  };
  const job = startEmbeddedRun({
    spec: { ...spec, resources: { ...spec.resources, workers } },
    source: file,
    workerMain,
    cwd: process.cwd(),
    baseEnv: process.env,
    onMessage,
    onEvent: (event) => {
      const shown = eventLine(event);
      if (shown) progress.log(shown);
    },
  });
  let signals = 0;
  const onSignal = () => {
    signals++;
    progress.log(signals === 1 ? 'stopping: every worker checkpoints after its current step (press Ctrl-C again to kill)' : 'killing the workers');
    job.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const result = await job.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  progress.finish();
  const ok = signals < 2 && (result.state === 'succeeded' || result.state === 'paused');
  const summary = {
    experiment: spec.name,
    ok,
    steps: last?.step ?? 0,
    train_loss: last?.loss ?? null,
    valid_loss: lastEval?.loss ?? null,
    valid_perplexity: lastEval?.perplexity ?? null,
    valid_bleu: lastEval?.bleu ?? null,
    tokens_per_second: last ? Math.round(last.tokensPerSecond) : null,
    /** Share of rank 0's step time spent waiting for batches, over the steps it reported. */
    data_time_fraction: split.step > 0 ? Math.round((split.data / split.step) * 10000) / 10000 : null,
    seconds: Math.round((performance.now() - started) / 1000),
    checkpoint: lastCheckpoint ?? null,
    /** Rank 0's median step (data + compute + all-reduce + optimizer), over its progress reports. */
    step_seconds_median: stepSeconds.length > 0 ? round4(median(stepSeconds)) : null,
    /** Checkpoints written during training (the final one excluded: the run waits for it): count, median seconds the loop spent on one, median seconds its write took. */
    checkpoints: checkpointFigures(saves.slice(0, -1)),
    /** Productive step seconds / wall seconds since the trial was placed, and where the rest went (seconds). */
    goodput: result.goodput === null ? null : round4(result.goodput.goodput),
    time_use: result.goodput === null ? null : Object.fromEntries(Object.entries(result.goodput.seconds).map(([k, v]) => [k, round4(v)])),
    /** Peer recoveries (fault_tolerance.recovery peer) and checkpoint restarts the run went through. */
    peer_recoveries: recoveries.length,
    restarts: result.restarts,
  };
  io.out(JSON.stringify(summary));
  if (!ok) {
    io.err(`orquesta train: failed: ${result.failures.at(-1) ?? result.cause}${result.restarts > 0 ? ` (after ${result.restarts} restart(s))` : ''}`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

/** The events a user of `train` sees: worker exits that were not asked for, restarts and failures. */
function eventLine(event: EventRow): string | undefined {
  if (event.kind === 'worker-exit') return /exited with code 0$/.test(event.message) ? undefined : event.message;
  if (event.kind === 'straggler' || event.kind === 'peer-recovery' || event.kind === 'peer-recovered') return event.message;
  if (event.toState === 'restarting' || event.toState === 'failed' || (event.fromState === 'restarting' && event.toState === 'queued')) return event.message;
  return undefined;
}

function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const formatMs = (seconds: number): string => `${(seconds * 1000).toFixed(seconds < 0.01 ? 1 : 0)} ms`;

const round4 = (x: number): number => Math.round(x * 10000) / 10000;

function checkpointFigures(saves: readonly { blocking: number; write: number }[]) {
  if (saves.length === 0) return { count: 0, loop_seconds_median: null, write_seconds_median: null };
  return {
    count: saves.length,
    loop_seconds_median: round4(median(saves.map((s) => s.blocking))),
    write_seconds_median: round4(median(saves.map((s) => s.write))),
  };
}
