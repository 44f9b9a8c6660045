import { CollectiveArgumentError } from './errors.js';
import type { CollectiveOp } from './process-group.js';

/** Largest tensor the wire format can describe (u32 element counts). */
const MAX_ELEMENTS = 0xffffffff;

/** Validates a collective call's arguments; returns the first problem (the call rejects with it, taking no sequence number). */
export function checkArguments(
  op: CollectiveOp,
  rank: number,
  worldSize: number,
  args: { data?: unknown; reduce?: unknown; compression?: unknown; root?: unknown },
): CollectiveArgumentError | undefined {
  const bad = (field: string, message: string): CollectiveArgumentError => new CollectiveArgumentError({ op, seq: null, rank }, field, message);
  if ('data' in args) {
    const { data } = args;
    if (!(data instanceof Float32Array)) return bad('data', `expected a Float32Array, got ${Object.prototype.toString.call(data)}`);
    if (data.length > MAX_ELEMENTS) return bad('data', `${data.length} elements exceed the wire limit of ${MAX_ELEMENTS}`);
  }
  if ('reduce' in args && args.reduce !== 'sum' && args.reduce !== 'mean') return bad('op', `expected 'sum' or 'mean', got ${JSON.stringify(args.reduce)}`);
  if ('compression' in args && args.compression !== 'none' && args.compression !== 'fp16')
    return bad('compression', `expected 'none' or 'fp16', got ${JSON.stringify(args.compression)}`);
  if ('root' in args) {
    const { root } = args;
    if (typeof root !== 'number' || !Number.isInteger(root) || root < 0 || root >= worldSize)
      return bad('root', `expected a rank in 0..${worldSize - 1}, got ${String(root)}`);
  }
  return undefined;
}
