/**
 * Peer recovery's orders from the launcher, as the worker sees them: `leave` (the group broke: leave it,
 * keeping state) and `join` (every rank is ready: form group `generation`). The launcher sends them over
 * the worker's IPC channel (`ipcRegroupOrders`); tests feed them by hand.
 */
import type { LauncherMessage } from '@orquesta/protocol';
import { PeerRecoveryError } from '../errors.js';

export interface RegroupOrders {
  /** `listener` hears every `leave` order as it arrives (the generation being formed). */
  onLeave(listener: (generation: number) => void): void;
  /**
   * Resolves once the launcher has ordered `join` for `generation` (or a later one), also when the
   * order came before the call: with the group's endpoints by rank when the order changed them (a
   * replacement on another slot or node), else undefined (the endpoints stay as they were).
   * @throws {PeerRecoveryError} no such order within `timeoutMs`, or `stopped()` turned true while waiting.
   */
  joined(generation: number, timeoutMs: number, stopped: () => boolean): Promise<readonly string[] | undefined>;
}

/** What the orders are read from: the worker's own process (its IPC channel), or a fake. */
export interface OrderSource {
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Orders from `source`'s messages, parsed by `parse` (parseLauncherMessage); anything else is ignored. */
export function regroupOrders(source: OrderSource, parse: (value: unknown) => LauncherMessage | undefined): RegroupOrders {
  let joinedUpTo = 0;
  const endpoints = new Map<number, readonly string[]>();
  const leaveListeners: ((generation: number) => void)[] = [];
  const waiters = new Set<() => void>();
  source.on('message', (value) => {
    const order = parse(value);
    if (order === undefined) return;
    if (order.phase === 'leave') for (const l of leaveListeners) l(order.generation);
    else {
      joinedUpTo = Math.max(joinedUpTo, order.generation);
      if (order.endpoints !== undefined) endpoints.set(order.generation, order.endpoints);
      for (const wake of waiters) wake();
    }
  });
  return {
    onLeave: (listener) => void leaveListeners.push(listener),
    joined: (generation, timeoutMs, stopped) =>
      new Promise<readonly string[] | undefined>((resolve, reject) => {
        const started = performance.now();
        const finish = (error?: PeerRecoveryError) => {
          waiters.delete(check);
          clearInterval(poll);
          if (error) reject(error);
          else resolve(endpoints.get(generation));
        };
        const check = () => {
          if (joinedUpTo >= generation) return finish();
          if (stopped()) return finish(new PeerRecoveryError(`asked to stop while waiting to form process group ${generation}`));
          if (performance.now() - started >= timeoutMs)
            return finish(new PeerRecoveryError(`no order to form process group ${generation} within ${Math.round(timeoutMs / 1000)} s`));
        };
        // Timer checks for the deadline and a stop request; orders wake the waiter at once.
        const poll = setInterval(check, 100);
        waiters.add(check);
        check();
      }),
  };
}
