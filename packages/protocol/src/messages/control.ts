/**
 * Control plane between the coordinator (ZeroMQ ROUTER) and node agents (DEALER). Every message is
 * one JSON frame `{v, type, ...}`; `decodeControlMessage` checks the version, the tag and every field
 * before anything acts on it, and answers garbage with a ControlDecodeError (never a crash).
 */
import type { WorkerReport } from './worker-report.js';
import { parseWorkerReport } from './worker-report.js';

export const CONTROL_VERSION = 1;

/** Largest control frame accepted, in bytes (a spec plus a worker table fits in far less). */
export const MAX_CONTROL_FRAME_BYTES = 4 * 1024 * 1024;

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
} as const;

/** A worker process an agent is running: which run (trial attempt) and rank. */
export interface RunningWorker {
  readonly run: string;
  readonly rank: number;
  readonly pid: number;
}

/** One worker the coordinator asks an agent to start. `env` holds the rank contract (RANK, peers, GPU). */
export interface WorkerLaunch {
  readonly rank: number;
  readonly env: Readonly<Record<string, string>>;
}

export type AgentMessage =
  | {
      v: 1;
      type: 'hello';
      agent: string;
      /** Address other hosts reach this node's workers at. */
      host: string;
      slots: number;
      /** GPU ids, one per slot, or empty for CPU slots. */
      gpus: readonly string[];
      /** Inclusive TCP port range for workers' data-plane sockets. */
      ports: readonly [number, number];
      running: readonly RunningWorker[];
      /** The coordinator's token, when it requires one for agents. */
      token?: string;
    }
  | { v: 1; type: 'heartbeat'; agent: string; running: readonly RunningWorker[] }
  | { v: 1; type: 'worker-report'; run: string; rank: number; report: WorkerReport }
  | { v: 1; type: 'worker-log'; run: string; rank: number; lines: readonly string[] }
  | { v: 1; type: 'worker-exited'; run: string; rank: number; code: number | null; signal: string | null }
  /** A worker launched by someone else (a Slurm task) announces its data-plane endpoint. */
  | { v: 1; type: 'rendezvous'; run: string; rank: number; worldSize: number; endpoint: string; token?: string };

export type CoordinatorMessage =
  | { v: 1; type: 'welcome'; agent: string; heartbeatMs: number }
  | { v: 1; type: 'reregister'; reason: string }
  | { v: 1; type: 'start-workers'; run: string; spec: string; workers: readonly WorkerLaunch[] }
  | { v: 1; type: 'stop-workers'; run: string; mode: 'checkpoint' | 'kill' }
  | { v: 1; type: 'reject'; reason: string }
  /** A failure an operator rehearses (`orquesta chaos`) on one worker or on the agent itself. */
  | { v: 1; type: 'chaos'; action: ChaosAction; run: string; rank: number; seconds: number }
  /** Every rank's endpoint, once all of a run's ranks have joined its rendezvous. */
  | { v: 1; type: 'peers'; run: string; endpoints: readonly string[]; curve?: { publicKeys: readonly string[]; secretKey: string } };

export type ControlMessage = AgentMessage | CoordinatorMessage;

/** What `orquesta chaos` can do on a node: kill or stall (SIGSTOP) a worker, kill the agent, or take its network link down. */
export const CHAOS_ACTIONS = ['kill-worker', 'stall-worker', 'kill-agent', 'partition'] as const;
export type ChaosAction = (typeof CHAOS_ACTIONS)[number];

/** A control frame that is not a valid message of this version. */
export class ControlDecodeError extends Error {
  override readonly name = 'ControlDecodeError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export function encodeControlMessage(message: ControlMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

type Fields = Record<string, unknown>;

/**
 * @throws {ControlDecodeError} not JSON, too large, another version, an unknown type or a bad field.
 */
export function decodeControlMessage(frame: Uint8Array): ControlMessage {
  if (frame.byteLength > MAX_CONTROL_FRAME_BYTES) throw new ControlDecodeError(`control frame of ${frame.byteLength} bytes exceeds ${MAX_CONTROL_FRAME_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('utf8'));
  } catch (cause) {
    throw new ControlDecodeError('control frame is not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ControlDecodeError('control frame is not a JSON object');
  const m = value as Fields;
  if (m['v'] !== CONTROL_VERSION) throw new ControlDecodeError(`unsupported control version ${JSON.stringify(m['v'])} (expected ${CONTROL_VERSION})`);
  const type = m['type'];
  switch (type) {
    case CONTROL.hello:
      str(m, 'agent');
      str(m, 'host');
      int(m, 'slots');
      list(m, 'gpus').forEach((g, i) => {
        if (typeof g !== 'string') fail(`gpus[${i}] must be a string`);
      });
      portRange(m);
      runningList(m);
      optionalToken(m);
      break;
    case CONTROL.heartbeat:
      str(m, 'agent');
      runningList(m);
      break;
    case CONTROL.workerReport: {
      str(m, 'run');
      int(m, 'rank');
      const report = m['report'];
      if (typeof report !== 'object' || report === null || parseWorkerReport(JSON.stringify(report)) === undefined) fail('report is not a worker report');
      break;
    }
    case CONTROL.workerLog:
      str(m, 'run');
      int(m, 'rank');
      list(m, 'lines').forEach((l, i) => {
        if (typeof l !== 'string') fail(`lines[${i}] must be a string`);
      });
      break;
    case CONTROL.workerExited:
      str(m, 'run');
      int(m, 'rank');
      if (m['code'] !== null && !Number.isInteger(m['code'])) fail('code must be an integer or null');
      if (m['signal'] !== null && typeof m['signal'] !== 'string') fail('signal must be a string or null');
      break;
    case CONTROL.rendezvous:
      str(m, 'run');
      int(m, 'rank');
      int(m, 'worldSize');
      str(m, 'endpoint');
      if (!/^tcp:\/\/[^\s,]+:\d+$/.test(m['endpoint'] as string)) fail('endpoint must be tcp://HOST:PORT');
      if ((m['rank'] as number) >= (m['worldSize'] as number)) fail('rank must be below worldSize');
      optionalToken(m);
      break;
    case CONTROL.chaos:
      if (!(CHAOS_ACTIONS as readonly unknown[]).includes(m['action'])) fail(`action must be one of ${CHAOS_ACTIONS.join(', ')}`);
      str(m, 'run');
      int(m, 'rank');
      int(m, 'seconds');
      break;
    case CONTROL.peers:
      str(m, 'run');
      list(m, 'endpoints').forEach((e, i) => {
        if (typeof e !== 'string') fail(`endpoints[${i}] must be a string`);
      });
      if (m['curve'] !== undefined) {
        const c = m['curve'] as Fields;
        if (typeof c !== 'object' || c === null || !Array.isArray(c['publicKeys']) || !(c['publicKeys'] as unknown[]).every((k) => typeof k === 'string') || typeof c['secretKey'] !== 'string') fail('curve must be {publicKeys, secretKey}');
      }
      break;
    case CONTROL.welcome:
      str(m, 'agent');
      int(m, 'heartbeatMs');
      break;
    case CONTROL.reregister:
    case CONTROL.reject:
      str(m, 'reason');
      break;
    case CONTROL.startWorkers:
      str(m, 'run');
      str(m, 'spec');
      list(m, 'workers').forEach((w, i) => {
        if (typeof w !== 'object' || w === null) fail(`workers[${i}] must be an object`);
        const worker = w as Fields;
        int(worker, 'rank', `workers[${i}].`);
        const env = worker['env'];
        if (typeof env !== 'object' || env === null || Array.isArray(env) || Object.values(env).some((x) => typeof x !== 'string')) fail(`workers[${i}].env must map names to strings`);
      });
      break;
    case CONTROL.stopWorkers:
      str(m, 'run');
      if (m['mode'] !== 'checkpoint' && m['mode'] !== 'kill') fail('mode must be checkpoint or kill');
      break;
    default:
      throw new ControlDecodeError(`unknown control message type ${JSON.stringify(type)}`);
  }
  return m as unknown as ControlMessage;
}

function fail(message: string): never {
  throw new ControlDecodeError(message);
}

function str(m: Fields, key: string): void {
  if (typeof m[key] !== 'string' || (m[key] as string).length === 0 || (m[key] as string).length > 1_000_000) fail(`${key} must be a non-empty string`);
}

function int(m: Fields, key: string, prefix = ''): void {
  const v = m[key];
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(`${prefix}${key} must be a non-negative integer`);
}

function list(m: Fields, key: string): unknown[] {
  const v = m[key];
  if (!Array.isArray(v)) fail(`${key} must be an array`);
  return v as unknown[];
}

function optionalToken(m: Fields): void {
  if (m['token'] !== undefined && (typeof m['token'] !== 'string' || m['token'].length > 256)) fail('token must be a string');
}

function portRange(m: Fields): void {
  const p = m['ports'];
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x > 0 && x < 65536) || p[0] > p[1]) fail('ports must be [first, last] TCP ports');
}

function runningList(m: Fields): void {
  list(m, 'running').forEach((w, i) => {
    if (typeof w !== 'object' || w === null) fail(`running[${i}] must be an object`);
    const r = w as Fields;
    str(r, 'run');
    int(r, 'rank', `running[${i}].`);
    int(r, 'pid', `running[${i}].`);
  });
}
