import type { Clock } from './clock.js';
import { Fp16Codec, float32Codec } from './element-codec.js';
import type { HierarchySetup } from './hierarchy-state.js';
import { checkArguments } from './argument-checks.js';
import type { CollectiveErrorContext } from './errors.js';
import { abortFrames, errorFor, failureFromAbort, type Failure } from './failure.js';
import type { GroupEventListener } from './group-events.js';
import { Inbox } from './inbox.js';
import { PeerTable } from './peer-table.js';
import { divideInPlace } from './kernels.js';
import type { NativeRing } from './native-ring.js';
import type { NativeStepsHost } from './native-ring-steps.js';
import { OpChannel, type ChannelHost } from './op-channel.js';
import { chainBroadcast } from './chain-broadcast.js';
import { COLLECTIVE_OP, type AllReduceOptions, type CollectiveOp, type ProcessGroup, type ReduceOp } from './process-group.js';
import { ringAllGather } from './ring-all-gather.js';
import { ringBarrier } from './ring-barrier.js';
import { DataPeers } from './data-peers.js';
import { DataPlanes } from './data-planes.js';
import { Stash } from './stash.js';
import { TraceContexts } from './trace-contexts.js';
import type { SharedMemoryFiles } from './shared-memory-files.js';
import type { Transport } from './transport.js';
import { Watchdog } from './watchdog.js';
import { decodeMessage } from './wire-decode.js';
import { DTYPE, DTYPE_BYTES, encodeBye, encodeHello, encodeStatus, type DataMessage, type Dtype, type TraceContext, type WireMessage } from './wire.js';

/** Settings of a RingProcessGroup, validated by the factories. */
export interface RingGroupConfig {
  /** Milliseconds without progress before an operation fails naming the ranks it waits for. */
  readonly timeoutMs: number;
  /** Milliseconds forming the group may take (default: timeoutMs). */
  readonly connectTimeoutMs?: number;
  /** Wire bytes per segment: the pipelining unit of every operation. */
  readonly segmentBytes: number;
  /** Milliseconds between a broken connection and failing the group (data sent before it broke is still used). */
  readonly peerLossGraceMs: number;
  /** Longest close() waits for the peers' goodbyes before releasing its sockets. */
  readonly closeWaitMs: number;
  readonly clock: Clock;
  readonly onEvent?: GroupEventListener;
}

/**
 * The ProcessGroup of this package, over any Transport: ring algorithms, sequence numbers, deadlines,
 * failure propagation. Operations run one at a time in call order.
 */
export class RingProcessGroup implements ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  private readonly peers: PeerTable;
  private readonly left: number;
  private readonly inbox = new Inbox<DataMessage>();
  /** Data messages taken from the inbox by a channel of another ring, by sender (see ChannelHost.stash). */
  private readonly stashed = new Stash<DataMessage>();
  /** Whose data messages this rank accepts, and whom the running operation waits for. */
  private readonly dataPeers: DataPeers;
  private readonly fp16 = new Fp16Codec();
  private readonly host: ChannelHost;
  private readonly nativeHost: NativeStepsHost;
  private failure: Failure | undefined;
  private seq = 0;
  private lastOp: CollectiveOp = COLLECTIVE_OP.connect;
  private lastCompleted = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private running: { readonly op: CollectiveOp; readonly seq: number; readonly watchdog: Watchdog | undefined } | undefined;
  private wakeConnect: (() => void) | undefined;
  private wakeClose: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private readonly traces = new TraceContexts();
  /** Shared memory, hierarchy, native or TypeScript ring: which one carries a reduction. */
  private readonly planes: DataPlanes;

  constructor(
    private readonly transport: Transport,
    private readonly config: RingGroupConfig,
  ) {
    this.rank = transport.rank;
    this.worldSize = transport.worldSize;
    this.peers = new PeerTable(this.rank, this.worldSize);
    this.left = (this.rank + this.worldSize - 1) % this.worldSize;
    this.dataPeers = new DataPeers(this.left);
    this.host = {
      inbox: this.inbox,
      unstash: (sender) => this.stashed.take(sender),
      stash: (m) => this.stashed.put(m),
      failure: () => this.failure,
      fail: (f) => this.fail(f, true),
      dropped: (reason) => this.config.onEvent?.({ type: 'frame-dropped', reason }),
      sendTo: (peer, frames) => this.transport.send(peer, frames),
      awaiting: (rank) => this.dataPeers.awaiting(rank),
    };
    this.nativeHost = {
      clock: config.clock,
      timeoutMs: config.timeoutMs,
      maxSegment: Math.floor(config.segmentBytes / 4),
      failure: () => this.failure,
      progress: () => this.running?.watchdog?.progress(),
      awaiting: (rank) => this.dataPeers.awaiting(rank),
    };
    this.planes = new DataPlanes(this.worldSize, (dtype) => this.segmentElements(dtype), this.nativeHost);
    transport.start({ message: (frames) => this.onMessage(frames), peerLost: (peer, reason) => this.onPeerLost(peer, reason) });
  }

  /**
   * Exchanges a hello with every peer and resolves once all answered.
   * @throws {CollectiveTimeoutError} not every peer answered within timeoutMs; `waitingFor` names the silent ones.
   * @throws {CollectiveMismatchError} a peer runs with another world size.
   */
  async connect(): Promise<void> {
    const context: CollectiveErrorContext = { op: COLLECTIVE_OP.connect, seq: 0, rank: this.rank };
    for (const p of this.peers.peers) this.transport.send(p, encodeHello(this.rank, this.worldSize));
    const timeoutMs = this.config.connectTimeoutMs ?? this.config.timeoutMs;
    const watchdog = new Watchdog(this.config.clock, timeoutMs, {
      suspect: () => undefined,
      expire: () => this.fail({ kind: 'timeout', waitingFor: this.peers.silent(), detectedBy: this.rank, timeoutMs }, true),
    });
    this.running = { op: COLLECTIVE_OP.connect, seq: 0, watchdog };
    watchdog.start();
    try {
      for (;;) {
        if (this.failure !== undefined) throw errorFor(this.failure, context);
        if (this.peers.silent().length === 0) return;
        await new Promise<void>((resolve) => (this.wakeConnect = resolve));
      }
    } finally {
      watchdog.stop();
      this.running = undefined;
      this.wakeConnect = undefined;
    }
  }

  /** For transports whose peers are connected from the start (in-memory): skips the hello exchange. */
  assumeConnected(): void {
    for (const p of this.peers.peers) this.peers.connect(p);
  }

  allReduce(data: Float32Array, op: ReduceOp, options: AllReduceOptions = {}): Promise<Float32Array> {
    return this.reduce(COLLECTIVE_OP.allReduce, data, options, op);
  }

  reduceScatter(data: Float32Array, options: AllReduceOptions = {}): Promise<Float32Array> {
    return this.reduce(COLLECTIVE_OP.reduceScatter, data, options);
  }

  /** An all-reduce (with `op`) or a reduce-scatter: through shared memory when the group uses it for this size, else the ring. */
  private reduce(kind: typeof COLLECTIVE_OP.allReduce | typeof COLLECTIVE_OP.reduceScatter, data: Float32Array, options: AllReduceOptions, op?: ReduceOp) {
    const compression = options.compression ?? 'none';
    const invalid = checkArguments(kind, this.rank, this.worldSize, op === undefined ? { data, compression } : { data, reduce: op, compression });
    if (invalid !== undefined) return Promise.reject(invalid);
    const codec = compression === 'fp16' ? this.fp16 : float32Codec;
    const all = kind === COLLECTIVE_OP.allReduce;
    return this.run(kind, codec.dtype, async (ch) => {
      await this.planes.reduce(ch, data, codec, all);
      if (op === 'mean' && this.worldSize > 1) divideInPlace(data, this.worldSize);
      return data;
    });
  }

  shardGather(data: Float32Array): Promise<Float32Array> {
    const invalid = checkArguments(COLLECTIVE_OP.shardGather, this.rank, this.worldSize, { data });
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.run(COLLECTIVE_OP.shardGather, DTYPE.f32, async (ch) => {
      await this.planes.shardGather(ch, data);
      return data;
    });
  }

  /** Shared-memory reductions up to `limitBytes` (DataPlanes.useSharedMemory). Every rank switches at the same point of its call sequence, with the same limit; the group closes the files. */
  useSharedMemory(files: SharedMemoryFiles, limitBytes: number): void {
    this.planes.useSharedMemory(files, limitBytes);
  }

  /** Float32 ring operations on the native ring (DataPlanes.useNativeRing). Every rank switches at the same point of its call sequence; the group closes the ring. */
  useNativeRing(ring: NativeRing): void {
    this.planes.useNativeRing(ring);
  }

  /**
   * Accepts data messages from `ranks` (left neighbours in sub-rings about to be used) from now on;
   * returns the undo. Call it before the all-gather after which they may send: a rank that completes
   * that all-gather first may send its first frame before this rank has seen the result. Ranks that are
   * already accepted stay so on undo.
   */
  acceptDataFrom(ranks: readonly number[]): () => void {
    return this.dataPeers.accept(ranks);
  }

  /** Hierarchical all-reduces (DataPlanes.useHierarchy); data is accepted from the sub-rings' left neighbours. Every rank switches at the same point of its call sequence, with the same limit; the group closes the files and the ring. */
  useHierarchy(setup: HierarchySetup): void {
    this.dataPeers.accept(this.planes.useHierarchy(setup));
  }

  broadcast(data: Float32Array, root: number): Promise<Float32Array> {
    const invalid = checkArguments(COLLECTIVE_OP.broadcast, this.rank, this.worldSize, { data, root });
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.run(COLLECTIVE_OP.broadcast, DTYPE.f32, async (ch) => {
      await chainBroadcast(ch, data, root, this.segmentElements(DTYPE.f32));
      return data;
    });
  }

  allGather(data: Float32Array): Promise<Float32Array[]> {
    const invalid = checkArguments(COLLECTIVE_OP.allGather, this.rank, this.worldSize, { data });
    if (invalid !== undefined) return Promise.reject(invalid);
    return this.run(COLLECTIVE_OP.allGather, DTYPE.f32, (ch) => ringAllGather(ch, data, this.segmentElements(DTYPE.f32)));
  }

  barrier(): Promise<void> {
    return this.run(COLLECTIVE_OP.barrier, DTYPE.f32, (ch) => ringBarrier(ch));
  }

  setTraceContext(context: TraceContext | null): void {
    this.traces.set(context, { op: this.lastOp, seq: this.seq, rank: this.rank });
  }

  takePeerTraceContexts(): ReadonlyMap<number, TraceContext> {
    return this.traces.take();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  abandon(): Promise<void> {
    this.closing ??= (async () => {
      this.fail({ kind: 'closed' }, false);
      // Every queue is dropped (linger 0): nothing of this group may reach the next one on these endpoints.
      await this.transport.close(new Set(this.peers.peers));
      await this.planes.close();
    })();
    return this.closing;
  }

  /**
   * 1. Fail queued operations with GroupClosedError. 2. Send a goodbye (carrying the last completed
   * sequence number) to every peer still connected. 3. Wait until every peer that ever connected said
   * goodbye too or was lost, or closeWaitMs: a peer closes only after our goodbye reached it, so nothing
   * it still needs from us is dropped.
   * 4. Release the sockets (lost peers' queues are discarded at once).
   */
  private async shutdown(): Promise<void> {
    this.fail({ kind: 'closed' }, false);
    const bye = encodeBye(this.rank, this.lastCompleted);
    for (const p of this.peers.peers) if (!this.peers.lost.has(p)) this.transport.send(p, bye);
    await new Promise<void>((resolve) => {
      let waited = false;
      const timer = this.config.clock.setTimer(this.config.closeWaitMs, () => {
        waited = true;
        this.wakeClose?.();
      });
      this.wakeClose = () => {
        if (!waited && !this.peers.allGone()) return;
        timer.cancel();
        this.wakeClose = undefined;
        resolve();
      };
      this.wakeClose();
    });
    await this.transport.close(this.peers.lost);
    await this.planes.close();
  }

  private run<T>(op: CollectiveOp, dtype: Dtype, body: (ch: OpChannel) => Promise<T>): Promise<T> {
    const seq = ++this.seq;
    const trace = this.traces.header;
    const result = this.tail.then(() => this.execute(op, seq, dtype, body, trace));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async execute<T>(op: CollectiveOp, seq: number, dtype: Dtype, body: (ch: OpChannel) => Promise<T>, trace: Buffer | undefined): Promise<T> {
    const context: CollectiveErrorContext = { op, seq, rank: this.rank };
    if (this.closing !== undefined) throw errorFor({ kind: 'closed' }, context);
    const gone = this.peers.departedBefore(seq);
    if (gone !== undefined) this.fail(this.closedPeer(gone.peer, gone.lastSeq), false);
    if (this.failure !== undefined) throw errorFor(this.failure, context);
    const watchdog =
      this.worldSize === 1
        ? undefined
        : new Watchdog(this.config.clock, this.config.timeoutMs, { suspect: () => this.announce(seq), expire: () => this.expire(seq) });
    this.running = { op, seq, watchdog };
    this.lastOp = op;
    watchdog?.start();
    try {
      const out = await body(new OpChannel(this.host, op, seq, this.rank, this.worldSize, dtype, trace));
      this.lastCompleted = seq;
      return out;
    } finally {
      watchdog?.stop();
      this.running = undefined;
    }
  }

  /** Tells every peer this rank has entered `seq`, so whoever times out can tell who never did. */
  private announce(seq: number): void {
    const status = encodeStatus(this.rank, seq);
    for (const p of this.peers.peers) this.transport.send(p, status);
  }

  /**
   * The deadline passed: blame the ranks not known to have entered `seq`, else those the operation
   * waits for data from (a hierarchical all-reduce waits on a host ring and a cross-host ring), else the
   * left neighbour.
   */
  private expire(seq: number): void {
    const absent = this.peers.absentFrom(seq);
    const awaited = this.dataPeers.awaitedRanks();
    const waitingFor = absent.length > 0 ? absent : awaited.length > 0 ? awaited : [this.left];
    this.fail({ kind: 'timeout', waitingFor, detectedBy: this.rank, timeoutMs: this.config.timeoutMs }, true);
  }

  private fail(failure: Failure, tellPeers: boolean): void {
    if (this.failure !== undefined) return;
    this.failure = failure;
    if (tellPeers) {
      const frames = abortFrames(failure, this.rank, this.running?.op ?? this.lastOp, this.running?.seq ?? this.seq);
      if (frames !== undefined) for (const p of this.peers.reachable()) this.transport.send(p, frames);
    }
    this.inbox.interrupt();
    this.planes.cancel();
    this.wakeConnect?.();
  }

  private onMessage(frames: Buffer[]): void {
    const decoded = decodeMessage(frames, this.worldSize, this.rank);
    if (!decoded.ok) {
      this.host.dropped(decoded.reason);
      return;
    }
    this.dispatch(decoded.message);
  }

  private dispatch(m: WireMessage): void {
    switch (m.kind) {
      case 'data':
        if (!this.dataPeers.accepts(m.sender)) {
          this.host.dropped(`data from rank ${m.sender}, which is not a left neighbour of this rank`);
          return;
        }
        this.peers.enter(m.sender, m.seq);
        this.running?.watchdog?.progress();
        this.traces.received(m.sender, m.trace);
        this.inbox.push(m);
        return;
      case 'hello':
        if (m.worldSize !== this.worldSize) {
          this.fail(
            {
              kind: 'mismatch',
              waitingFor: [m.sender],
              detectedBy: this.rank,
              detail: `rank ${m.sender} has world size ${m.worldSize}, this rank ${this.worldSize}`,
            },
            true,
          );
          return;
        }
        this.peers.connect(m.sender);
        this.wakeConnect?.();
        return;
      case 'status':
        this.peers.enter(m.sender, m.seq);
        return;
      case 'abort':
        this.fail(failureFromAbort(m), false);
        return;
      case 'bye':
        this.peers.depart(m.sender, m.lastSeq);
        if (this.running !== undefined && this.running.seq > m.lastSeq) this.fail(this.closedPeer(m.sender, m.lastSeq), false);
        this.wakeClose?.();
        return;
      default: {
        const never: never = m;
        this.host.dropped(`unhandled message ${String(never)}`);
      }
    }
  }

  private onPeerLost(peer: number, reason: string): void {
    if (!this.peers.lose(peer)) return;
    this.wakeClose?.();
    this.config.clock.setTimer(this.config.peerLossGraceMs, () => {
      if (this.peers.hasDeparted(peer) || this.closing !== undefined) return;
      this.config.onEvent?.({ type: 'peer-lost', peer, reason });
      this.fail({ kind: 'peer-lost', waitingFor: [peer], detectedBy: this.rank, reason }, true);
    });
  }

  private closedPeer(peer: number, lastSeq: number): Failure {
    return { kind: 'peer-lost', waitingFor: [peer], detectedBy: this.rank, reason: `closed its group after operation #${lastSeq}` };
  }

  private segmentElements(dtype: Dtype): number {
    return Math.max(1, Math.floor(this.config.segmentBytes / (DTYPE_BYTES[dtype] ?? 4)));
  }
}
