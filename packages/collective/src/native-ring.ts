import { NATIVE_RING_CODE, type NativeRingAddon, type NativeRingCode, type NativeRingConfig, type NativeRingHandle } from './native-ring-addon.js';
import { removeSocketFile } from './socket-file.js';

/** One operation of a native ring: steps `first`..`last` of ring-all-reduce.ts on `data`. */
export interface NativeRingOp {
  readonly data: Float32Array;
  readonly first: number;
  readonly last: number;
  readonly seq: number;
  readonly opCode: number;
  /** Elements per segment (segmentLength of the TypeScript ring, so both send the same frames). */
  readonly segment: number;
  /** Added to the step numbers on the wire (0 unless one operation runs several rings' steps). */
  readonly stepBase: number;
  /** The 24 header bytes of the caller's trace context, or undefined. */
  readonly trace: Buffer | undefined;
}

export interface NativeRingResult {
  readonly code: NativeRingCode;
  readonly detail: string;
}

/**
 * This rank's place in a ring of the native data plane (native/src/ring.c): its own ZeroMQ context,
 * a PULL socket receiving from the left neighbour and a PUSH socket to the right one. Operations run
 * on libuv's worker threads, one at a time; `cancel` ends the running one (and every later one) with
 * code `cancelled` within about 50 ms. Results never reject: the code says what happened.
 */
export class NativeRing {
  private busy: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Endpoints this ring listens on (their Unix socket files are removed at close). */
  private readonly listening: string[] = [];

  private constructor(
    private readonly addon: NativeRingAddon,
    private readonly handle: NativeRingHandle,
    readonly config: NativeRingConfig,
  ) {}

  /**
   * Binds `bind` (`tcp://HOST:*` takes a free port).
   * @throws {Error} the addon's ERR_ORQ_RING_OPEN (cannot bind, no CURVE support).
   */
  static open(addon: NativeRingAddon, config: NativeRingConfig, bind: string): NativeRing {
    const ring = new NativeRing(addon, addon.open(config, bind), config);
    ring.listening.push(ring.endpoint);
    return ring;
  }

  /** The endpoint the left neighbour connects to (the port resolved). */
  get endpoint(): string {
    return this.addon.endpoint(this.handle);
  }

  /** Listens on one more endpoint; returns it resolved. @throws {Error} the addon's ERR_ORQ_RING_OPEN. */
  bind(endpoint: string): string {
    const bound = this.addon.bind(this.handle, endpoint);
    this.listening.push(bound);
    return bound;
  }

  /** @throws {Error} the addon's ERR_ORQ_RING_CONNECT. */
  connect(endpoint: string): void {
    this.addon.connect(this.handle, endpoint);
  }

  /** Sends a hello to the right neighbour and waits up to `timeoutMs` for the left one's. */
  probe(timeoutMs: number): Promise<NativeRingResult> {
    return this.queue((done) => this.addon.probe(this.handle, Math.max(1, Math.round(timeoutMs)), done));
  }

  run(op: NativeRingOp): Promise<NativeRingResult> {
    return this.queue((done) => this.addon.run(this.handle, op.data, op.first, op.last, op.seq, op.opCode, op.segment, op.stepBase, op.trace ?? null, done));
  }

  /** Messages received so far: the caller's watchdog counts an increase as progress. */
  progress(): number {
    return this.closed ? 0 : this.addon.progress(this.handle);
  }

  cancel(): void {
    if (!this.closed) this.addon.cancel(this.handle);
  }

  /** Cancels what runs, waits for it, releases the sockets and removes its Unix socket files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.cancel();
    await this.busy;
    this.closed = true;
    this.addon.close(this.handle);
    for (const endpoint of this.listening.splice(0)) removeSocketFile(endpoint);
  }

  private queue(start: (done: (code: NativeRingCode, detail: string) => void) => void): Promise<NativeRingResult> {
    const result = this.busy.then(
      () =>
        new Promise<NativeRingResult>((resolve) => {
          if (this.closed) resolve({ code: NATIVE_RING_CODE.cancelled, detail: 'the ring is closed' });
          else start((code, detail) => resolve({ code, detail }));
        }),
    );
    this.busy = result;
    return result;
  }
}
