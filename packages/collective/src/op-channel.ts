import type { CollectiveErrorContext } from './errors.js';
import { errorFor, type Failure } from './failure.js';
import type { Inbox } from './inbox.js';
import { mod } from './partition.js';
import type { CollectiveOp } from './process-group.js';
import { DTYPE, encodeData, type DataMessage, type Dtype } from './wire.js';

/** What an operation needs from its group. */
export interface ChannelHost {
  readonly inbox: Inbox<DataMessage>;
  /**
   * Data messages a channel took from the inbox that belong to another of the operation's rings (a
   * hierarchical all-reduce runs a ring within the host and one across hosts): the oldest from
   * `sender`, removed, or undefined. `stash` keeps one for the channel whose left neighbour sent it.
   */
  unstash(sender: number): DataMessage | undefined;
  stash(message: DataMessage): void;
  failure(): Failure | undefined;
  fail(failure: Failure): void;
  dropped(reason: string): void;
  sendTo(peer: number, frames: Buffer[]): void;
  /**
   * This operation now waits for data from `rank` (for naming it if the deadline passes while nobody
   * is known to be absent); returns the function to call once it stops waiting.
   */
  awaiting(rank: number): () => void;
}

/** Which tensor a segment belongs to: its length and the per-operation `aux` field (root, origin rank). */
export interface TensorTag {
  readonly total: number;
  readonly aux: number;
}

const EMPTY = Buffer.alloc(0);

/** A ring among some of the group's ranks: this rank's place in it, its size and its neighbours (group ranks). */
export interface RingView {
  readonly position: number;
  readonly size: number;
  readonly left: number;
  readonly right: number;
}

/**
 * One running operation's view of a ring (the whole group's, or a sub-ring given as a RingView):
 * sends segments to the right neighbour and receives the expected segments from the left one, dropping
 * invalid frames and turning disagreements into failures. `rank` and `worldSize` are the place in and
 * size of the ring, which the algorithms compute chunks from; `self` is this rank in the group.
 */
export class OpChannel {
  readonly rank: number;
  readonly worldSize: number;
  readonly left: number;
  readonly right: number;
  readonly context: CollectiveErrorContext;

  constructor(
    private readonly host: ChannelHost,
    readonly op: CollectiveOp,
    readonly seq: number,
    readonly self: number,
    groupSize: number,
    readonly dtype: Dtype,
    /** The caller's trace context as 24 header bytes, stamped into every data frame; undefined for none. */
    private readonly trace?: Buffer,
    view?: RingView,
  ) {
    this.rank = view?.position ?? self;
    this.worldSize = view?.size ?? groupSize;
    this.left = view?.left ?? mod(self - 1, groupSize);
    this.right = view?.right ?? mod(self + 1, groupSize);
    this.context = { op, seq, rank: self };
  }

  /** The same operation on a sub-ring of the group. */
  on(view: RingView): OpChannel {
    return new OpChannel(this.host, this.op, this.seq, this.self, this.worldSize, this.dtype, this.trace, view);
  }

  /** The trace context's 24 header bytes stamped into this operation's frames, or undefined. */
  get traceBytes(): Buffer | undefined {
    return this.trace;
  }

  /** Sends elements [offset, offset+count) of tensor `tag` as part of `step`. */
  send(step: number, offset: number, count: number, tag: TensorTag, payload: Buffer): void {
    const { op, seq, self: sender, dtype } = this;
    this.host.sendTo(this.right, encodeData({ sender, seq, op, dtype, step, offset, count, total: tag.total, aux: tag.aux }, payload, this.trace));
  }

  /** Sends [start, end) of `data` in segments of at most `segment` elements (one empty segment if start = end). */
  sendRange(step: number, data: Float32Array, start: number, end: number, segment: number, tag: TensorTag, encode: (s: Float32Array) => Buffer): void {
    if (start === end) {
      this.send(step, start, 0, tag, EMPTY);
      return;
    }
    for (let pos = start; pos < end; pos += segment) {
      const count = Math.min(segment, end - pos);
      this.send(step, pos, count, tag, encode(data.subarray(pos, pos + count)));
    }
  }

  /**
   * The next segment of `step` from the left neighbour, starting at element `offset` of a range that
   * ends at `end` (null: the range is the whole tensor, whose length the segment carries).
   * `tag` fields that are given must match the sender's; a difference is a CollectiveMismatchError.
   */
  async receive(step: number, offset: number, end: number | null, tag: Partial<TensorTag>): Promise<DataMessage> {
    const done = this.host.awaiting(this.left);
    try {
      return await this.receiveFromLeft(step, offset, end, tag);
    } finally {
      done();
    }
  }

  private async receiveFromLeft(step: number, offset: number, end: number | null, tag: Partial<TensorTag>): Promise<DataMessage> {
    for (;;) {
      const failure = this.host.failure();
      if (failure !== undefined) throw errorFor(failure, this.context);
      const m = this.host.unstash(this.left) ?? this.host.inbox.poll() ?? (await this.host.inbox.next());
      if (m === undefined) continue;
      if (m.sender !== this.left) {
        this.host.stash(m);
        continue;
      }
      const mismatch = this.mismatch(m, tag);
      if (mismatch !== undefined) {
        this.host.fail({ kind: 'mismatch', waitingFor: [m.sender], detectedBy: this.self, detail: mismatch });
        continue;
      }
      const problem = m.seq === this.seq ? this.misplaced(m, step, offset, end ?? m.total) : `frame of operation #${m.seq} during #${this.seq}`;
      if (problem === undefined) return m;
      this.host.dropped(problem);
    }
  }

  /** Fails the group with `failure` (peers are told) and returns the error this operation rejects with. */
  fail(failure: Failure): Error {
    this.host.fail(failure);
    return errorFor(this.host.failure() ?? failure, this.context);
  }

  private mismatch(m: DataMessage, tag: Partial<TensorTag>): string | undefined {
    if (m.seq !== this.seq) return undefined;
    const who = `rank ${m.sender}`;
    if (m.op !== this.op) return `${who} called ${m.op}, this rank ${this.op}`;
    if (m.dtype !== this.dtype) return `${who} sends ${m.dtype === DTYPE.f16 ? 'fp16' : 'float32'} elements (compression differs)`;
    if (tag.total !== undefined && m.total !== tag.total) return `${who} passed ${m.total} elements, this rank ${tag.total}`;
    if (tag.aux !== undefined && m.aux !== tag.aux) return `${who} passed ${this.op === 'broadcast' ? 'root' : 'block'} ${m.aux}, this rank ${tag.aux}`;
    return undefined;
  }

  private misplaced(m: DataMessage, step: number, offset: number, end: number): string | undefined {
    if (m.step !== step || m.offset !== offset) return `out of order: step ${m.step} offset ${m.offset}, expected step ${step} offset ${offset}`;
    const empty = end === offset;
    if (empty ? m.count !== 0 : m.count === 0 || offset + m.count > end) return `segment of ${m.count} elements at ${offset} in a range ending at ${end}`;
    return undefined;
  }
}
