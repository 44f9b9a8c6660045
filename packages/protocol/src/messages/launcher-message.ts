/**
 * What a launcher (node agent) tells one of its workers over the worker's IPC channel (Node's
 * `child.send`): today only peer recovery's regroup orders, passed on from the coordinator's
 * `regroup-workers`. Versioned and checked like every other message; anything else is ignored.
 */
import { Type, type Static } from '@sinclair/typebox';
import { REGROUP_PHASES } from './control-schema.js';
import { choice, compileWireSchema, count, readonlyArray } from './wire-schema.js';

export const LAUNCHER_MESSAGE_VERSION = 1;

/**
 * leave: fail the running collective and leave the process group, keeping state. join: form group
 * `generation`, on `endpoints` (by rank) when they changed (a replacement on another slot or node).
 */
const RegroupOrderSchema = Type.Object({
  v: Type.Literal(LAUNCHER_MESSAGE_VERSION),
  type: Type.Literal('regroup'),
  generation: count(),
  phase: choice(REGROUP_PHASES),
  endpoints: Type.Optional(readonlyArray(Type.String({ minLength: 1 }))),
});

export type LauncherMessage = Static<typeof RegroupOrderSchema>;

const isLauncherMessage = compileWireSchema<LauncherMessage>(RegroupOrderSchema);

/** The message, or undefined for anything that is not a valid launcher message of this version. */
export function parseLauncherMessage(value: unknown): LauncherMessage | undefined {
  return isLauncherMessage(value) ? value : undefined;
}
