/**
 * The API's backend in the API's own thread: specs are checked here (YAML and JSON Schema are the
 * costly part of a submission, and this thread is not the one that takes agents' heartbeats), and
 * everything else is a call to the coordinator's thread over `port`, answered by api-thread-host.ts.
 */
import { checkSubmission, type SubmissionRules } from '../daemon/submission.js';
import type { ChaosTarget, PlanResult, QueueOptions, SubmitResult } from '../daemon/coordinator-types.js';
import type { Role } from '../auth/roles.js';
import type { UserQuota } from '../scheduler/user-quotas.js';
import type { StatsSnapshot } from '../daemon/control-plane-stats.js';
import type { ApiBackend } from './api-backend.js';
import { fromWireError, type ApiCall, type FromApiThread, type ToApiThread } from './api-thread-wire.js';

/** The API thread's end of the port (worker_threads' parentPort). */
export interface CallPort {
  postMessage(message: FromApiThread): void;
}

export class RemoteBackend implements ApiBackend {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly port: CallPort,
    private readonly rules: SubmissionRules,
  ) {}

  /** A message from the coordinator's thread: a reply settles its call. */
  onReply(message: Extract<ToApiThread, { type: 'reply' }>): void {
    const waiting = this.pending.get(message.id);
    if (waiting === undefined) return;
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(fromWireError(message.error));
  }

  /** Rejects every call still waiting (the coordinator's thread is going away). */
  abandon(reason: string): void {
    for (const waiting of this.pending.values()) waiting.reject(new Error(reason));
    this.pending.clear();
  }

  call<T>(call: ApiCall): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.port.postMessage({ type: 'call', id, ...call });
    });
  }

  async submit(specYaml: string, source: string, options: QueueOptions): Promise<SubmitResult> {
    const checked = checkSubmission(specYaml, source, this.rules);
    if (!checked.ok) return checked;
    return this.call({ call: 'queue', spec: checked.spec, specYaml, ...options });
  }

  plan(specYaml: string, source: string, options: { workers?: number }): Promise<PlanResult> {
    return this.call({ call: 'plan', specYaml, source, ...options });
  }

  chaos(experimentId: number, action: Extract<ApiCall, { call: 'chaos' }>['action'], target: ChaosTarget, actor: string): Promise<string> {
    return this.call({ call: 'chaos', experimentId, action, target, actor });
  }

  cancel(experimentId: number, actor: string): Promise<void> {
    return this.call({ call: 'cancel', experimentId, actor });
  }

  pause(experimentId: number, actor: string): Promise<void> {
    return this.call({ call: 'pause', experimentId, actor });
  }

  resume(experimentId: number, options: { trial?: number; actor: string }): Promise<void> {
    return this.call({ call: 'resume', experimentId, ...options });
  }

  createToken(name: string, role: Role, actor: string): Promise<string> {
    return this.call({ call: 'create-token', name, role, actor });
  }

  revokeToken(name: string, actor: string): Promise<void> {
    return this.call({ call: 'revoke-token', name, actor });
  }

  setQuota(user: string, quota: UserQuota, actor: string): Promise<void> {
    return this.call({ call: 'set-quota', user, quota, actor });
  }

  stats(samples: boolean): Promise<StatsSnapshot> {
    return this.call({ call: 'stats', samples });
  }
}
