/**
 * `orquesta train`'s coordinator: the same `Coordinator`, scheduler and job state machine as
 * `orquesta serve`, with an in-memory store and one in-process node agent that offers this machine's
 * slots. Messages between the two go through the real control codec, one event-loop turn apart, so the
 * agent and the coordinator cannot tell they share a process. Restarts (`fault_tolerance.max_restarts`),
 * events and stopping with a checkpoint therefore behave as under `serve`.
 *
 *   submit -> queued -> scheduled (start-workers) -> running -> succeeded
 *                                      | a worker dies: restarting -> queued (from the last checkpoint)
 *                                      | stop(): checkpointing -> paused
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeControlMessage, type AgentMessage, type ExperimentSpec } from '@orquesta/protocol';
import { NodeAgent, type Spawner } from '@orquesta/launch';
import { Coordinator } from '../daemon/coordinator.js';
import { StateConflictError } from '../daemon/daemon-errors.js';
import { SETTLED_STATES, type JobState } from '../jobs/job-state.js';
import type { EventRow, TrialRow } from '../store/rows.js';
import { Store } from '../store/store.js';
import { goodputOf } from '../daemon/goodput-book.js';
import type { GoodputView } from '../daemon/goodput-ledger.js';

/** The in-process agent's id, as events and logs name it. */
export const EMBEDDED_AGENT = 'local';

export interface EmbeddedRunOptions {
  /** The validated spec to run as given (its `resources.workers` is the gang size). */
  readonly spec: ExperimentSpec;
  /** Where the spec came from, for messages. */
  readonly source: string;
  /** The worker entry point (a JavaScript file run with this node). */
  readonly workerMain: string;
  /** Working directory of the workers; the spec's relative paths resolve against it. */
  readonly cwd: string;
  /** The environment workers inherit (the entry point passes process.env). */
  readonly baseEnv: Readonly<NodeJS.ProcessEnv>;
  /** CPU cores the workers share (ORQUESTA_BLAS_THREADS). Defaults to the machine's. */
  readonly cores?: number;
  /** GPU ids, one per slot, or none. */
  readonly gpus?: readonly string[];
  /** Every message the agent sends the coordinator (worker reports, logs, exits), as it is delivered. */
  readonly onMessage?: (message: AgentMessage) => void;
  /** Every event the coordinator records for the experiment (state changes, worker exits, restarts). */
  readonly onEvent?: (event: EventRow) => void;
  /** The coordinator's and agent's own log lines. */
  readonly log?: (line: string) => void;
  /** Period of the coordinator's tick, in ms. Defaults to 250. */
  readonly tickMs?: number;
  /** Workers asked to checkpoint and stop are killed after this long, in ms. Defaults to 120,000. */
  readonly stopGraceMs?: number;
  readonly spawner?: Spawner;
}

export interface EmbeddedResult {
  /** The trial's final state: succeeded, failed, paused (stopped on request) or cancelled. */
  readonly state: JobState;
  /** The cause of the last transition ("gave up after 2 restart(s)", "finished at step 20"). */
  readonly cause: string;
  readonly restarts: number;
  /** Why each restart (or the final failure) happened: "rank 1 exited with signal SIGKILL". */
  readonly failures: readonly string[];
  /** The trial's goodput and where its wall time went (goodput-ledger.ts); null when it never ran. */
  readonly goodput: GoodputView | null;
}

export interface EmbeddedRun {
  readonly done: Promise<EmbeddedResult>;
  /** First call: every worker checkpoints after its current step and stops (the trial is paused). Second call: kill them. */
  stop(): void;
}

export function startEmbeddedRun(options: EmbeddedRunOptions): EmbeddedRun {
  const { spec } = options;
  const now = () => Date.now();
  const store = new Store(':memory:', now);
  const ipcDir = mkdtempSync(join(tmpdir(), 'orquesta-'));
  const log = options.log ?? (() => {});
  const target: { agent?: NodeAgent } = {};
  let closed = false;
  const coordinator = new Coordinator({
    store,
    now,
    baseDir: options.cwd,
    // One user on their own machine: the spec may name any path, and checkpoints go where it says.
    pathRoots: ['/'],
    checkpointLayout: 'as-given',
    // The agent shares this process: it is lost only if the event loop stalls for this long.
    agentTimeoutMs: 600_000,
    ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
    log,
    channel: {
      send: (_agent, message) => {
        const frame = encodeControlMessage(message);
        setImmediate(() => !closed && target.agent?.receive(frame));
      },
    },
  });
  const agent = new NodeAgent({
    id: EMBEDDED_AGENT,
    host: '127.0.0.1',
    slots: spec.resources.workers * spec.resources.slots_per_worker,
    gpus: options.gpus ?? [],
    ports: [29500, 29999],
    workdir: options.cwd,
    stateDir: ipcDir,
    ipcDir,
    workerMain: options.workerMain,
    baseEnv: options.baseEnv,
    cores: options.cores ?? availableParallelism(),
    log,
    ...(options.spawner ? { spawner: options.spawner } : {}),
    connection: {
      send: (message) => {
        const frame = encodeControlMessage(message);
        setImmediate(() => {
          if (closed) return;
          options.onMessage?.(message);
          coordinator.receive(EMBEDDED_AGENT, frame);
        });
      },
    },
  });
  target.agent = agent;
  agent.hello();

  // `orquesta train` runs the spec it was given on this machine; searches and Slurm are for `orquesta serve`.
  const { search: _search, ...single } = { ...spec, resources: { ...spec.resources, launcher: 'agents' as const } };
  const submitted = coordinator.submit(JSON.stringify(single), options.source);
  if (!submitted.ok) {
    cleanUp();
    const problems = submitted.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    return {
      done: Promise.resolve({ state: 'failed', cause: `the coordinator refused the spec: ${problems}`, restarts: 0, failures: [], goodput: null }),
      stop: () => {},
    };
  }
  const experimentId = submitted.id;
  let lastEvent = 0;
  /** The newest state change: the cause of the state the trial ends in. */
  let lastTransition: EventRow | undefined;
  let stops = 0;
  const failures: string[] = [];
  let finish: (result: EmbeddedResult) => void = () => {};
  const done = new Promise<EmbeddedResult>((resolve) => (finish = resolve));

  const drainEvents = () => {
    for (const event of store.events(experimentId, lastEvent)) {
      lastEvent = event.id;
      if (event.toState !== null) lastTransition = event;
      // "trial 0: running -> restarting: rank 1 exited with signal SIGKILL": keep the cause.
      if (event.toState === 'restarting') failures.push(event.message.replace(/^trial \d+: \S+ -> \S+: /, ''));
      options.onEvent?.(event);
    }
  };
  const check = () => {
    drainEvents();
    const [trial] = store.trials(experimentId) as [TrialRow];
    if (!SETTLED_STATES.includes(trial.state) && trial.state !== 'paused') return;
    // Wait for the workers' last exits to arrive, so no report is lost.
    if (agent.running().length > 0) return;
    clearInterval(timer);
    const cause = lastTransition?.message ?? trial.state;
    const goodput = goodputOf(trial, now());
    cleanUp();
    finish({ state: trial.state, cause, restarts: trial.restarts, failures, goodput });
  };
  const tickMs = options.tickMs ?? 250;
  let sinceBeat = 0;
  const timer = setInterval(() => {
    if ((sinceBeat += tickMs) >= agent.heartbeatMs) {
      sinceBeat = 0;
      agent.heartbeat();
    }
    coordinator.tick();
    check();
  }, tickMs);

  function cleanUp(): void {
    closed = true;
    store.close();
    rmSync(ipcDir, { recursive: true, force: true });
  }

  return {
    done,
    stop() {
      stops++;
      if (stops > 1) return agent.killAll('SIGKILL');
      try {
        coordinator.pause(experimentId);
      } catch (error) {
        if (!(error instanceof StateConflictError)) throw error;
      }
      check();
    },
  };
}
