/**
 * `orquesta chaos ACTION EXPERIMENT`: rehearse a failure on a running job (kill-worker, stall-worker,
 * partition, kill-agent, corrupt-checkpoint); the coordinator records it as an event, and
 * `orquesta status`/`logs` show the recovery.
 */
import { CHAOS_ACTIONS } from '@orquesta/protocol';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { clientFor, experimentId, withClient, type ClientFlags } from './coordinator-client.js';

export const CHAOS_COMMANDS = [...CHAOS_ACTIONS, 'corrupt-checkpoint'] as const;

export interface ChaosFlags extends ClientFlags {
  readonly rank?: string;
  readonly node?: string;
  readonly seconds?: string;
}

export async function chaosCommand(action: string, idText: string, flags: ChaosFlags, io: CliIO): Promise<ExitCode> {
  if (!(CHAOS_COMMANDS as readonly string[]).includes(action)) {
    io.err(`orquesta chaos: unknown action ${JSON.stringify(action)}; one of ${CHAOS_COMMANDS.join(', ')}`);
    return EXIT.usage;
  }
  const id = experimentId('chaos', idText, io);
  if (id === undefined) return EXIT.usage;
  const int = (name: string, text: string | undefined, min: number) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    return Number.isInteger(n) && n >= min ? n : Number.NaN;
  };
  const rank = int('rank', flags.rank, 0);
  const seconds = int('seconds', flags.seconds, 1);
  if (Number.isNaN(rank) || Number.isNaN(seconds)) {
    io.err('orquesta chaos: --rank must be a non-negative integer and --seconds a positive one');
    return EXIT.usage;
  }
  return withClient('chaos', io, async () => {
    const { done } = await clientFor(flags, io).chaos(id, action, {
      ...(rank === undefined ? {} : { rank }),
      ...(flags.node ? { node: flags.node } : {}),
      ...(seconds === undefined ? {} : { seconds }),
    });
    io.out(`experiment ${id}: ${done}`);
    return EXIT.ok;
  });
}
