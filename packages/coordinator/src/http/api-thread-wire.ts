/**
 * Messages between the coordinator's thread and the API's (api-thread.ts), over the worker's port
 * (structured clone, same process and build, so no version field). The API's thread sends `call`s
 * and its lifecycle (`listening`, `failed`, `closed`); the coordinator's thread sends `reply`s and
 * `close`. Errors cross as their name and fields and are made again on the other side.
 */
import type { ChaosAction, ExperimentSpec } from '@orquesta/protocol';
import { QuotaExceededError, StateConflictError } from '../daemon/daemon-errors.js';
import { NotFoundError } from '../store/store-errors.js';
import type { ChaosTarget } from './api-backend.js';
import type { Role } from '../auth/roles.js';
import type { UserQuota } from '../scheduler/user-quotas.js';

/** What the API's thread asks the coordinator to do. */
export type ApiCall =
  | { readonly call: 'queue'; readonly spec: ExperimentSpec; readonly specYaml: string; readonly priority?: number; readonly submitter?: string }
  | { readonly call: 'plan'; readonly specYaml: string; readonly source: string; readonly workers?: number }
  | {
      readonly call: 'chaos';
      readonly experimentId: number;
      readonly action: ChaosAction | 'corrupt-checkpoint';
      readonly target: ChaosTarget;
      readonly actor: string;
    }
  | { readonly call: 'cancel' | 'pause'; readonly experimentId: number; readonly actor: string }
  | { readonly call: 'resume'; readonly experimentId: number; readonly trial?: number; readonly actor: string }
  | { readonly call: 'create-token'; readonly name: string; readonly role: Role; readonly actor: string }
  | { readonly call: 'revoke-token'; readonly name: string; readonly actor: string }
  | { readonly call: 'set-quota'; readonly user: string; readonly quota: UserQuota; readonly actor: string }
  | { readonly call: 'stats'; readonly samples: boolean }
  | { readonly call: 'metrics' };

/** An error as it crosses threads. */
export type WireError =
  | { readonly name: 'NotFoundError'; readonly what: 'experiment' | 'trial'; readonly id: number }
  | { readonly name: 'StateConflictError' | 'QuotaExceededError' | 'Error'; readonly message: string };

export type FromApiThread =
  | ({ readonly type: 'call'; readonly id: number } & ApiCall)
  | { readonly type: 'listening'; readonly url: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'closed' };

export type ToApiThread =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError }
  | { readonly type: 'close' };

export function toWireError(error: unknown): WireError {
  if (error instanceof NotFoundError) return { name: 'NotFoundError', what: error.what, id: error.id };
  if (error instanceof StateConflictError) return { name: 'StateConflictError', message: error.message };
  if (error instanceof QuotaExceededError) return { name: 'QuotaExceededError', message: error.message };
  return { name: 'Error', message: error instanceof Error ? error.message : String(error) };
}

export function fromWireError(error: WireError): Error {
  switch (error.name) {
    case 'NotFoundError':
      return new NotFoundError(error.what, error.id);
    case 'StateConflictError':
      return new StateConflictError(error.message);
    case 'QuotaExceededError':
      return new QuotaExceededError(error.message);
    case 'Error':
      return new Error(error.message);
    default: {
      const unreachable: never = error;
      throw new TypeError(`unknown wire error ${JSON.stringify(unreachable)}`);
    }
  }
}
