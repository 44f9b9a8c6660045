/**
 * Control plane between the coordinator (ZeroMQ ROUTER) and node agents (DEALER). Every message is
 * one JSON frame `{v, type, ...}`; `decodeControlMessage` checks the version, the tag and every field
 * before anything acts on it, and answers garbage with a ControlDecodeError (never a crash). The
 * messages are declared once, in control-schema.ts; the types below are derived from it.
 */
import type { Static } from '@sinclair/typebox';
import { CONTROL, CONTROL_VERSION, ControlMessageSchema } from './control-schema.js';
import type { AgentMessageSchema, CHAOS_ACTIONS, CoordinatorMessageSchema, RunningWorkerSchema, WorkerLaunchSchema } from './control-schema.js';
import { schemaErrorText } from './schema-error-text.js';
import { compileWireSchema } from './wire-schema.js';

export { CHAOS_ACTIONS, CONTROL, CONTROL_VERSION } from './control-schema.js';

/** Largest control frame accepted, in bytes (a spec plus a worker table fits in far less). */
export const MAX_CONTROL_FRAME_BYTES = 4 * 1024 * 1024;

/** A worker process an agent is running: which run (trial attempt) and rank. */
export type RunningWorker = Static<typeof RunningWorkerSchema>;

/** One worker the coordinator asks an agent to start. `env` holds the rank contract (RANK, peers, GPU). */
export type WorkerLaunch = Static<typeof WorkerLaunchSchema>;

export type AgentMessage = Static<typeof AgentMessageSchema>;

export type CoordinatorMessage = Static<typeof CoordinatorMessageSchema>;

export type ControlMessage = AgentMessage | CoordinatorMessage;

export type ChaosAction = (typeof CHAOS_ACTIONS)[number];

/** A control frame that is not a valid message of this version. */
export class ControlDecodeError extends Error {
  override readonly name = 'ControlDecodeError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

const isControlMessage = compileWireSchema<ControlMessage>(ControlMessageSchema);

const CONTROL_TYPES: ReadonlySet<unknown> = new Set(Object.values(CONTROL));

export function encodeControlMessage(message: ControlMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/**
 * @throws {ControlDecodeError} not JSON, too large, another version, an unknown type or a bad field
 *   (the message names the field by its path, e.g. `hello.ports[1]`, and what it must be).
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
  const { v, type } = value as { v?: unknown; type?: unknown };
  if (v !== CONTROL_VERSION) throw new ControlDecodeError(`unsupported control version ${JSON.stringify(v)} (expected ${CONTROL_VERSION})`);
  if (!CONTROL_TYPES.has(type)) throw new ControlDecodeError(`unknown control message type ${JSON.stringify(type)}`);
  if (!isControlMessage(value)) throw new ControlDecodeError(schemaErrorText(type as string, isControlMessage.errors));
  checkRelations(value);
  return value;
}

/** What one field's schema cannot say: how a field relates to another. */
function checkRelations(m: ControlMessage): void {
  if (m.type === CONTROL.hello && m.ports[0] > m.ports[1]) {
    throw new ControlDecodeError(`hello.ports must be a [first, last] range of TCP ports with first <= last, not [${m.ports.join(',')}]`);
  }
  if (m.type === CONTROL.rendezvous && m.rank >= m.worldSize) {
    throw new ControlDecodeError(`rendezvous.rank must be below worldSize (${m.worldSize}), not ${m.rank}`);
  }
}
