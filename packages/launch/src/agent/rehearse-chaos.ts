/**
 * `orquesta chaos` on the launcher that holds the worker (a node agent or a Slurm task): what a real
 * crash, hang, lost launcher or cut link would do.
 */
import type { ChaosAction } from '@orquesta/protocol';
import type { LaunchedWorker } from '../worker/launch-worker.js';

export interface ChaosHooks {
  /** Ends the launcher's process (`kill-agent`). */
  readonly exit: (code: number) => void;
  /** Cuts the launcher's link for `seconds` (`partition`). */
  readonly partition: (seconds: number) => void;
  readonly log: (line: string) => void;
}

/** @param worker the rank's worker here, if it runs. */
export function rehearseChaos(action: ChaosAction, worker: Pick<LaunchedWorker, 'signal'> | undefined, seconds: number, hooks: ChaosHooks): void {
  switch (action) {
    case 'kill-worker':
      worker?.signal('SIGKILL');
      return;
    case 'stall-worker':
      if (!worker) return;
      worker.signal('SIGSTOP');
      setTimeout(() => worker.signal('SIGCONT'), seconds * 1000).unref();
      return;
    case 'kill-agent':
      hooks.exit(137);
      return;
    case 'partition':
      hooks.partition(seconds);
      return;
    default: {
      const unreachable: never = action;
      hooks.log(`unknown chaos action ${String(unreachable)}`);
    }
  }
}
