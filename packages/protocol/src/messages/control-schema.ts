/**
 * The control-plane message schemas: every message the coordinator and node agents exchange,
 * `{v: 1, type, ...}`, tagged by `type`. Fields a message does not declare are allowed and passed
 * through (a newer peer may add optional ones); every declared field is checked.
 */
import { Type } from '@sinclair/typebox';
import { choice, count, MAX_STRING_LENGTH, nonEmptyString, pair, port, readonlyArray, taggedUnion } from './wire-schema.js';
import { WorkerReportSchema } from './worker-report-schema.js';

export const CONTROL_VERSION = 1;

export const CONTROL = {
  hello: 'hello',
  heartbeat: 'heartbeat',
  workerReport: 'worker-report',
  workerLog: 'worker-log',
  workerExited: 'worker-exited',
  rendezvous: 'rendezvous',
  peers: 'peers',
  chaos: 'chaos',
  welcome: 'welcome',
  reregister: 'reregister',
  startWorkers: 'start-workers',
  stopWorkers: 'stop-workers',
  reject: 'reject',
  regroupWorkers: 'regroup-workers',
} as const;

/** Phases of a peer recovery's regrouping: leave the broken group (keeping state), then join the next one. */
export const REGROUP_PHASES = ['leave', 'join'] as const;

/** What `orquesta chaos` can do on a node: kill or stall (SIGSTOP) a worker, kill the agent, or take its network link down. */
export const CHAOS_ACTIONS = ['kill-worker', 'stall-worker', 'kill-agent', 'partition'] as const;

const v = Type.Literal(CONTROL_VERSION);

/** An access token (the coordinator's, or a run's). */
const token = Type.Optional(Type.String({ maxLength: 256 }));

/** A worker process an agent is running: which run (trial attempt) and rank. */
export const RunningWorkerSchema = Type.Object({ run: Type.Readonly(nonEmptyString()), rank: Type.Readonly(count()), pid: Type.Readonly(count()) });

/** One worker the coordinator asks an agent to start. `env` holds the rank contract (RANK, peers, GPU). */
export const WorkerLaunchSchema = Type.Object({
  rank: Type.Readonly(count()),
  env: Type.Readonly(Type.Unsafe<Readonly<Record<string, string>>>(Type.Record(Type.String(), Type.String(), { description: 'a map of names to strings' }))),
});

const HelloSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.hello),
  agent: nonEmptyString(),
  /** Address other hosts reach this node's workers at. */
  host: nonEmptyString(),
  slots: count(),
  /** GPU ids, one per slot, or empty for CPU slots. */
  gpus: readonlyArray(Type.String()),
  /** Inclusive TCP port range for workers' data-plane sockets (first <= last is checked after the schema). */
  ports: pair(port(), 'a [first, last] range of TCP ports'),
  running: readonlyArray(RunningWorkerSchema),
  /** The coordinator's token, when it requires one for agents. */
  token,
});

/** The agent's workers; `draining` when it is shutting down (SIGTERM, a drain, a preemption notice): its workers checkpoint and stop, nothing new goes there. */
const HeartbeatSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.heartbeat),
  agent: nonEmptyString(),
  running: readonlyArray(RunningWorkerSchema),
  draining: Type.Optional(Type.Boolean()),
  /** The agent's wall clock when it sent this, epoch ms: the coordinator's heartbeat lag figure (clocks agree under NTP). */
  sentAt: Type.Optional(Type.Number({ minimum: 0 })),
});

const WorkerReportMessageSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.workerReport),
  run: nonEmptyString(),
  rank: count(),
  report: WorkerReportSchema,
});

const WorkerLogSchema = Type.Object({ v, type: Type.Literal(CONTROL.workerLog), run: nonEmptyString(), rank: count(), lines: readonlyArray(Type.String()) });

const WorkerExitedSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.workerExited),
  run: nonEmptyString(),
  rank: count(),
  code: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
});

/** A worker launched by someone else (a Slurm task) announces its data-plane endpoint (rank < worldSize is checked after the schema). */
const RendezvousSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.rendezvous),
  run: nonEmptyString(),
  rank: count(),
  worldSize: count(),
  endpoint: Type.String({ pattern: '^tcp://[^\\s,]+:\\d+$', maxLength: MAX_STRING_LENGTH, description: 'a tcp://HOST:PORT endpoint' }),
  token,
});

const WelcomeSchema = Type.Object({ v, type: Type.Literal(CONTROL.welcome), agent: nonEmptyString(), heartbeatMs: count() });

const ReregisterSchema = Type.Object({ v, type: Type.Literal(CONTROL.reregister), reason: nonEmptyString() });

const StartWorkersSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.startWorkers),
  run: nonEmptyString(),
  spec: nonEmptyString(),
  workers: readonlyArray(WorkerLaunchSchema),
});

/** Stop the run's workers on this agent; with `rank`, only that rank's (a straggler being replaced). */
const StopWorkersSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.stopWorkers),
  run: nonEmptyString(),
  mode: choice(['checkpoint', 'kill'] as const),
  rank: Type.Optional(count()),
});

const RejectSchema = Type.Object({ v, type: Type.Literal(CONTROL.reject), reason: nonEmptyString() });

/**
 * Peer recovery: the run's workers on this agent leave their broken process group keeping their state
 * (`leave`), or, once every rank is ready, form group `generation` (`join`), on `endpoints` (by rank)
 * when a replacement moved to another slot or node. Passed to each worker over its IPC channel.
 */
const RegroupWorkersSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.regroupWorkers),
  run: nonEmptyString(),
  generation: count(),
  phase: choice(REGROUP_PHASES),
  endpoints: Type.Optional(readonlyArray(Type.String())),
});

/** A failure an operator rehearses (`orquesta chaos`) on one worker or on the agent itself. */
const ChaosSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.chaos),
  action: choice(CHAOS_ACTIONS),
  run: nonEmptyString(),
  rank: count(),
  seconds: count(),
});

/** Every rank's endpoint, once all of a run's ranks have joined its rendezvous. */
const PeersSchema = Type.Object({
  v,
  type: Type.Literal(CONTROL.peers),
  run: nonEmptyString(),
  endpoints: readonlyArray(Type.String()),
  curve: Type.Optional(Type.Object({ publicKeys: readonlyArray(Type.String()), secretKey: Type.String() })),
});

const agentMessages = [HelloSchema, HeartbeatSchema, WorkerReportMessageSchema, WorkerLogSchema, WorkerExitedSchema, RendezvousSchema];
const coordinatorMessages = [
  WelcomeSchema,
  ReregisterSchema,
  StartWorkersSchema,
  StopWorkersSchema,
  RejectSchema,
  ChaosSchema,
  PeersSchema,
  RegroupWorkersSchema,
];

export const AgentMessageSchema = taggedUnion(agentMessages, 'an agent message');
export const CoordinatorMessageSchema = taggedUnion(coordinatorMessages, 'a coordinator message');
export const ControlMessageSchema = taggedUnion([...agentMessages, ...coordinatorMessages], 'a control message');
