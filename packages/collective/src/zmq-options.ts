import { endianness } from 'node:os';
import { z85Decode, type CurveOptions } from '@orquesta/curve';
import { systemClock, type Clock } from './clock.js';
import { CollectiveArgumentError } from './errors.js';
import type { GroupEventListener } from './group-events.js';
import { defaultSharedMemoryDir } from './shared-memory-files.js';

/** Options of createZmqProcessGroup. */
export interface ZmqProcessGroupOptions {
  /** This process's rank, 0..worldSize-1. Required. */
  readonly rank: number;
  /** Number of ranks in the group. Required. */
  readonly worldSize: number;
  /** Where each rank listens, indexed by rank: `tcp://HOST:PORT` or `ipc:///path`. Required. */
  readonly endpoints: readonly string[];
  /**
   * Milliseconds an operation (or forming the group) may go without progress before it fails naming the
   * ranks it waits for. Defaults to 30000, the spec's `collective.timeout_s` default.
   */
  readonly timeoutMs?: number;
  /**
   * Milliseconds forming the group may take before it fails naming the ranks that never answered (a
   * group waiting for a replacement rank waits longer than an operation may stall). Defaults to timeoutMs.
   */
  readonly connectTimeoutMs?: number;
  /**
   * Milliseconds to keep trying to bind this rank's endpoint while its address is in use: a group formed
   * again on the endpoints of one just left (peer recovery) may find the port not yet released. Defaults to 0.
   */
  readonly bindRetryMs?: number;
  /** Encrypt and authenticate every connection with CURVE. Defaults to none: use only on trusted networks. */
  readonly curve?: CurveOptions;
  /**
   * Wire bytes per pipelined segment, 4 KiB..256 MiB. Defaults to 1 MiB on both rings (the native ring
   * sends two per chunk at most; see nativeSegmentLength).
   */
  readonly segmentBytes?: number;
  /** Receives drops, lost peers and refused connections (for logs). Defaults to none. */
  readonly onEvent?: GroupEventListener;
  /** Time source of deadlines. Defaults to the system clock. */
  readonly clock?: Clock;
  /**
   * 'auto': when every rank runs on this host (each can open the others' files in `sharedMemoryDir`),
   * all-reduces go through shared memory instead of sockets (float32 sums whatever the compression; the
   * other operations and every failure report still use the sockets). 'off': always the socket ring.
   * Defaults to 'off'. Each rank's two files grow to the largest all-reduced tensor.
   */
  readonly sharedMemory?: 'auto' | 'off';
  /** Directory of the shared-memory files. Defaults to /dev/shm, or the temporary directory without it. */
  readonly sharedMemoryDir?: string;
  /**
   * Largest all-reduce, in bytes, that goes through shared memory; larger ones use the socket ring. Each
   * rank's two files grow up to this size each, and shared memory is used only if the directory has room
   * for every rank's files (2 x this x worldSize). Defaults to 64 MiB.
   */
  readonly sharedMemoryLimitBytes?: number;
  /**
   * Which ring carries float32 all-reduces (and reduce-scatters and shard gathers) over sockets:
   * 'native': the native ring (C over libzmq, off the JavaScript thread; see native/src/ring.c), and
   * createZmqProcessGroup fails when any rank cannot use it; 'js': the TypeScript ring; 'auto': native
   * when every rank can use it, else the TypeScript ring (a 'transport' event says which and why).
   * Defaults to 'auto'.
   */
  readonly transport?: 'auto' | 'native' | 'js';
  /**
   * All-reduce algorithm for ranks on several hosts (the host of a rank is the address of its tcp
   * endpoint): 'hierarchical': within each host through shared memory, then one ring per local rank
   * across hosts, then within the host again (hierarchical-all-reduce.ts; needs every host to run the
   * same number of ranks, at least two, and sharedMemory not 'off'), and createZmqProcessGroup fails
   * when it cannot; 'ring': one flat ring over all ranks; 'auto': hierarchical when the placement allows
   * it, else the flat ring (an 'algorithm' event says which and why). Defaults to 'auto'.
   */
  readonly algorithm?: 'auto' | 'ring' | 'hierarchical';
}

/** Validated options with every default filled in. */
export interface ZmqGroupConfig {
  readonly rank: number;
  readonly worldSize: number;
  readonly endpoints: readonly string[];
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly bindRetryMs: number;
  readonly segmentBytes: number;
  /** ZMTP heartbeat interval and timeout (ms): a frozen or unreachable peer is dropped before timeoutMs. */
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly peerLossGraceMs: number;
  /** How long close() waits for the peers' goodbyes, and then keeps flushing queued messages. */
  readonly lingerMs: number;
  readonly closeWaitMs: number;
  readonly curve:
    { readonly publicKeys: readonly Buffer[]; readonly publicKey: string; readonly serverKeys: readonly string[]; readonly secretKey: string } | undefined;
  readonly clock: Clock;
  readonly onEvent: GroupEventListener | undefined;
  readonly sharedMemory: 'auto' | 'off';
  readonly sharedMemoryDir: string;
  readonly sharedMemoryLimitBytes: number;
  readonly transport: 'auto' | 'native' | 'js';
  readonly algorithm: 'auto' | 'ring' | 'hierarchical';
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * 1 MiB on both rings: a segment the native ring received is still in the core's cache (1 MiB of L2 on
 * the EPYC of docs/benchmarks.md) when it is reduced and forwarded; 4 MiB segments measured 5-15 % slower.
 */
export const DEFAULT_SEGMENT_BYTES = 1 << 20;
export const DEFAULT_SHARED_MEMORY_LIMIT_BYTES = 64 << 20;
const ENDPOINT = /^(tcp:\/\/[^\s:]+:\d{1,5}|ipc:\/\/\S+)$/;

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** @throws {CollectiveArgumentError} naming the first invalid option and quoting its value. */
export function resolveZmqOptions(o: ZmqProcessGroupOptions): ZmqGroupConfig {
  const rank = Number.isInteger(o.rank) ? o.rank : -1;
  const bad = (field: string, message: string): CollectiveArgumentError =>
    new CollectiveArgumentError({ op: 'createZmqProcessGroup', seq: null, rank }, field, message);
  if (endianness() !== 'LE') throw bad('host', 'tensors travel as little-endian frames; big-endian hosts are not supported');
  if (!Number.isInteger(o.worldSize) || o.worldSize < 1) throw bad('worldSize', `expected a positive integer, got ${o.worldSize}`);
  if (!Number.isInteger(o.rank) || o.rank < 0 || o.rank >= o.worldSize) throw bad('rank', `expected an integer in 0..${o.worldSize - 1}, got ${o.rank}`);
  if (!Array.isArray(o.endpoints) || o.endpoints.length !== o.worldSize)
    throw bad('endpoints', `expected ${o.worldSize} endpoints (one per rank), got ${JSON.stringify(o.endpoints)}`);
  const wrong = o.endpoints.find((e) => typeof e !== 'string' || !ENDPOINT.test(e));
  if (wrong !== undefined) throw bad('endpoints', `expected tcp://HOST:PORT or ipc:///path, got ${JSON.stringify(wrong)}`);
  if (new Set(o.endpoints).size !== o.endpoints.length) throw bad('endpoints', `every rank needs its own endpoint, got ${JSON.stringify(o.endpoints)}`);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 10 || timeoutMs > 86_400_000) throw bad('timeoutMs', `expected 10..86400000 ms, got ${timeoutMs}`);
  const connectTimeoutMs = o.connectTimeoutMs ?? timeoutMs;
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs < 10 || connectTimeoutMs > 86_400_000)
    throw bad('connectTimeoutMs', `expected 10..86400000 ms, got ${connectTimeoutMs}`);
  const bindRetryMs = o.bindRetryMs ?? 0;
  if (!Number.isFinite(bindRetryMs) || bindRetryMs < 0 || bindRetryMs > 86_400_000) throw bad('bindRetryMs', `expected 0..86400000 ms, got ${bindRetryMs}`);
  const segmentBytes = o.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isInteger(segmentBytes) || segmentBytes < 4096 || segmentBytes > 256 << 20)
    throw bad('segmentBytes', `expected an integer in 4096..268435456, got ${segmentBytes}`);
  const sharedMemory = o.sharedMemory ?? 'off';
  if (sharedMemory !== 'auto' && sharedMemory !== 'off') throw bad('sharedMemory', `expected 'auto' or 'off', got ${JSON.stringify(sharedMemory)}`);
  const sharedMemoryDir = o.sharedMemoryDir ?? defaultSharedMemoryDir();
  if (typeof sharedMemoryDir !== 'string' || sharedMemoryDir.length === 0)
    throw bad('sharedMemoryDir', `expected a directory, got ${JSON.stringify(sharedMemoryDir)}`);
  const sharedMemoryLimitBytes = o.sharedMemoryLimitBytes ?? DEFAULT_SHARED_MEMORY_LIMIT_BYTES;
  if (!Number.isInteger(sharedMemoryLimitBytes) || sharedMemoryLimitBytes < 4096)
    throw bad('sharedMemoryLimitBytes', `expected an integer of at least 4096, got ${sharedMemoryLimitBytes}`);
  const transport = o.transport ?? 'auto';
  if (transport !== 'auto' && transport !== 'native' && transport !== 'js')
    throw bad('transport', `expected 'auto', 'native' or 'js', got ${JSON.stringify(transport)}`);
  const algorithm = o.algorithm ?? 'auto';
  if (algorithm !== 'auto' && algorithm !== 'ring' && algorithm !== 'hierarchical')
    throw bad('algorithm', `expected 'auto', 'ring' or 'hierarchical', got ${JSON.stringify(algorithm)}`);
  return {
    rank: o.rank,
    worldSize: o.worldSize,
    endpoints: [...o.endpoints],
    timeoutMs,
    connectTimeoutMs,
    bindRetryMs,
    segmentBytes,
    heartbeatIntervalMs: Math.round(clamp(timeoutMs / 4, 50, 5_000)),
    heartbeatTimeoutMs: Math.round(clamp(timeoutMs / 2, 100, 10_000)),
    peerLossGraceMs: Math.round(Math.min(250, timeoutMs / 4)),
    lingerMs: Math.round(Math.min(1_000, timeoutMs)),
    closeWaitMs: Math.round(Math.min(1_000, timeoutMs)),
    curve: o.curve === undefined ? undefined : resolveCurve(o.curve, o.worldSize, o.rank, bad),
    clock: o.clock ?? systemClock,
    onEvent: o.onEvent,
    sharedMemory,
    sharedMemoryDir,
    sharedMemoryLimitBytes,
    transport,
    algorithm,
  };
}

function resolveCurve(
  c: CurveOptions,
  worldSize: number,
  rank: number,
  bad: (field: string, message: string) => CollectiveArgumentError,
): ZmqGroupConfig['curve'] {
  if (!Array.isArray(c.publicKeys) || c.publicKeys.length !== worldSize)
    throw bad('curve.publicKeys', `expected ${worldSize} keys, got ${c.publicKeys?.length}`);
  const publicKeys = c.publicKeys.map((k, i) => {
    const raw = typeof k === 'string' && k.length === 40 ? z85Decode(k) : undefined;
    if (raw === undefined) throw bad(`curve.publicKeys[${i}]`, 'expected a 40-character Z85 key');
    return raw;
  });
  if (typeof c.secretKey !== 'string' || c.secretKey.length !== 40 || z85Decode(c.secretKey) === undefined)
    throw bad('curve.secretKey', 'expected a 40-character Z85 key');
  return { publicKeys, publicKey: c.publicKeys[rank] as string, serverKeys: [...c.publicKeys], secretKey: c.secretKey };
}
