import { CollectiveArgumentError, type CollectiveErrorContext } from './errors.js';
import { encodeTraceContext, type TraceContext } from './wire.js';

/**
 * A group's trace contexts: the one this rank's data frames carry (set per step by the trainer, as
 * header bytes) and the first one each peer's frames carried since they were last taken.
 */
export class TraceContexts {
  /** Header bytes of the context outgoing data frames carry; undefined for none. */
  private outgoing: Buffer | undefined;
  private readonly peers = new Map<number, TraceContext>();

  get header(): Buffer | undefined {
    return this.outgoing;
  }

  /** @throws {CollectiveArgumentError} the ids are not lowercase hex of 32 and 16 digits, or all zero. */
  set(context: TraceContext | null, where: CollectiveErrorContext): void {
    if (context === null) {
      this.outgoing = undefined;
      return;
    }
    const bytes = encodeTraceContext(context);
    if (bytes === undefined) throw new CollectiveArgumentError(where, 'traceContext', 'ids must be lowercase hex of 32 and 16 digits, not all zero');
    this.outgoing = bytes;
  }

  /** A peer's data frame carried `trace`; only the first since the last take is kept. */
  received(sender: number, trace: TraceContext | undefined): void {
    if (trace !== undefined && !this.peers.has(sender)) this.peers.set(sender, trace);
  }

  take(): ReadonlyMap<number, TraceContext> {
    const taken = new Map(this.peers);
    this.peers.clear();
    return taken;
  }
}
