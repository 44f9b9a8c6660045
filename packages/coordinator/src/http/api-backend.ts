/**
 * What the HTTP API asks of the coordinator besides reading the store: its user requests. Served in
 * the coordinator's own thread (`localBackend`: tests, embedded runs) or from the API's thread over
 * a message port (api-thread.ts), so every call is async. Calls reject with the coordinator's errors:
 * NotFoundError (no such experiment), StateConflictError (not in a state the request applies to).
 */
import type { ChaosAction } from '@orquesta/protocol';
import type { Coordinator } from '../daemon/coordinator.js';
import type { PlanResult, SubmitResult } from '../daemon/coordinator-types.js';
import type { StatsSnapshot } from '../daemon/control-plane-stats.js';

/** Whom `orquesta chaos` aims at. */
export interface ChaosTarget {
  readonly rank?: number;
  readonly node?: string;
  readonly seconds?: number;
}

export interface ApiBackend {
  /** Validates a spec (YAML text) and queues it. Resolves with the problems of a bad spec. */
  submit(specYaml: string, source: string, options: { priority?: number }): Promise<SubmitResult>;
  /** Where the spec's gang would go now (no queueing). */
  plan(specYaml: string, source: string, options: { workers?: number }): Promise<PlanResult>;
  /** Rehearses a failure; resolves with what was done. */
  chaos(experimentId: number, action: ChaosAction | 'corrupt-checkpoint', target: ChaosTarget): Promise<string>;
  cancel(experimentId: number): Promise<void>;
  pause(experimentId: number): Promise<void>;
  /** Paused trials, or one paused or stopped trial by index. */
  resume(experimentId: number, options?: { trial?: number }): Promise<void>;
  /** Scheduling pass durations and heartbeat lags. */
  stats(samples: boolean): Promise<StatsSnapshot>;
}

/** The coordinator of this thread, as the API's backend. */
export function localBackend(coordinator: Coordinator): ApiBackend {
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
    chaos: (experimentId, action, target) => run(() => coordinator.chaos(experimentId, action, target)),
    cancel: (experimentId) => run(() => coordinator.cancel(experimentId)),
    pause: (experimentId) => run(() => coordinator.pause(experimentId)),
    resume: (experimentId, options) => run(() => coordinator.resume(experimentId, options)),
    stats: (samples) => run(() => coordinator.stats.snapshot(samples)),
  };
}
