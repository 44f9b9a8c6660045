/**
 * What the HTTP API asks of the coordinator besides reading the store: its user requests. Served in
 * the coordinator's own thread (`localBackend`: tests, embedded runs) or from the API's thread over
 * a message port (api-thread.ts), so every call is async. Calls reject with the coordinator's errors:
 * NotFoundError (no such experiment), StateConflictError (not in a state the request applies to).
 */
import type { ChaosAction } from '@orquesta/protocol';
import type { Coordinator } from '../daemon/coordinator.js';
import type { ChaosTarget, PlanResult, QueueOptions, SubmitResult } from '../daemon/coordinator-types.js';
import type { Role } from '../auth/roles.js';
import { TokenBook } from '../daemon/token-book.js';
import type { StatsSnapshot } from '../daemon/control-plane-stats.js';
import type { UserQuota } from '../scheduler/user-quotas.js';

export type { ChaosTarget } from '../daemon/coordinator-types.js';

export interface ApiBackend {
  /** Validates a spec (YAML text) and queues it. Resolves with the problems of a bad spec. */
  submit(specYaml: string, source: string, options: QueueOptions): Promise<SubmitResult>;
  /** Where the spec's gang would go now (no queueing). */
  plan(specYaml: string, source: string, options: { workers?: number }): Promise<PlanResult>;
  /** Rehearses a failure; resolves with what was done. */
  chaos(experimentId: number, action: ChaosAction | 'corrupt-checkpoint', target: ChaosTarget, actor: string): Promise<string>;
  cancel(experimentId: number, actor: string): Promise<void>;
  pause(experimentId: number, actor: string): Promise<void>;
  /** Paused trials, or one paused or stopped trial by index. */
  resume(experimentId: number, options: { trial?: number; actor: string }): Promise<void>;
  /** A new named token (shown once). Rejects with StateConflictError when the name is taken. */
  createToken(name: string, role: Role, actor: string): Promise<string>;
  /** Rejects with NotFoundError when no live token has the name. */
  revokeToken(name: string, actor: string): Promise<void>;
  /** Sets a user's quota (both limits absent: removes it). */
  setQuota(user: string, quota: UserQuota, actor: string): Promise<void>;
  /** Scheduling pass durations and heartbeat lags. */
  stats(samples: boolean): Promise<StatsSnapshot>;
}

/** The coordinator of this thread, as the API's backend. */
export function localBackend(coordinator: Coordinator): ApiBackend {
  const tokens = new TokenBook(coordinator.store);
  const run = <T>(f: () => T): Promise<T> => {
    try {
      return Promise.resolve(f());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };
  return {
    submit: (specYaml, source, options) => run(() => coordinator.submit(specYaml, source, options)),
    plan: (specYaml, source, options) => run(() => coordinator.plan(specYaml, source, options)),
    chaos: (experimentId, action, target, actor) => run(() => coordinator.chaos(experimentId, action, target, actor)),
    cancel: (experimentId, actor) => run(() => coordinator.cancel(experimentId, actor)),
    pause: (experimentId, actor) => run(() => coordinator.pause(experimentId, actor)),
    resume: (experimentId, options) => run(() => coordinator.resume(experimentId, options)),
    createToken: (name, role, actor) => run(() => tokens.create(name, role, actor)),
    revokeToken: (name, actor) => run(() => tokens.revoke(name, actor)),
    setQuota: (user, quota, actor) => run(() => tokens.setQuota(user, quota, actor)),
    stats: (samples) => run(() => coordinator.stats.snapshot(samples)),
  };
}
