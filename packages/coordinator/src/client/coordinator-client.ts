/**
 * The HTTP client the CLI uses to drive a coordinator (`submit`, `list`, `status`, `logs`, ...).
 * Every failure is one of two errors: the coordinator cannot be reached, or it answered with an
 * API error (status, code, message and, for specs, the problem lines).
 */
import { CertificateTrustError, type CoordinatorFetch } from '@orquesta/launch';
import type { ApiErrorBody } from '../http/api-errors.js';
import type { Comparison } from '../http/compare-view.js';

export class CoordinatorUnreachableError extends Error {
  override readonly name = 'CoordinatorUnreachableError';
  constructor(
    readonly url: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach the coordinator at ${url} (start it with \`orquesta serve\`, or set --coordinator / ORQUESTA_COORDINATOR)`, options);
  }
}

/** A token would cross the network in clear text: plain http:// to a host that is not this one. Nothing was sent. */
export class InsecureCoordinatorError extends Error {
  override readonly name = 'InsecureCoordinatorError';
  constructor(readonly url: string) {
    super(
      `refusing to send the API token in clear text to ${url}: use https:// (plain HTTP is for a coordinator on this machine, started with --insecure-http)`,
    );
  }
}

/** Whether a host name or address (a URL's `[::1]` too) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/.test(host);
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}

/** A user's quota as the API shows it: null is no limit. */
export interface QuotaView {
  readonly user: string;
  readonly maxSlots: number | null;
  readonly maxPriority: number | null;
  readonly slotsInUse: number;
}

export type ExperimentAction = 'cancel' | 'pause' | 'resume';

export class CoordinatorClient {
  private readonly base: URL;

  /**
   * @param fetcher how requests go out: `coordinatorFetch(trust)` from @orquesta/launch checks the
   * coordinator's TLS certificate (pinned, or against a CA); the global fetch trusts only the system's CAs.
   */
  constructor(
    url: string,
    private readonly token?: string,
    private readonly fetcher: CoordinatorFetch = fetch,
  ) {
    this.base = new URL(url);
  }

  submit(spec: string, source: string, priority?: number): Promise<{ id: number; trials: number }> {
    return this.call('POST', '/api/experiments', { spec, source, ...(priority === undefined ? {} : { priority }) });
  }

  /** A page of experiments (ids ascending) and the count of all that match. */
  async list(query: { state?: string; limit?: number; offset?: number } = {}): Promise<{ rows: Record<string, unknown>[]; total: number }> {
    const params = new URLSearchParams(Object.entries(query).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])));
    const response = await this.fetch('GET', `/api/experiments${params.size > 0 ? `?${params}` : ''}`);
    const rows = (await response.json()) as Record<string, unknown>[];
    return { rows, total: Number(response.headers.get('x-total-count') ?? rows.length) };
  }

  /** Trials of the experiments side by side (`GET /api/compare`). */
  compare(ids: readonly number[]): Promise<Comparison> {
    return this.call('GET', `/api/compare?ids=${ids.join(',')}`);
  }

  status(id: number): Promise<Record<string, unknown>> {
    return this.call('GET', `/api/experiments/${id}`);
  }

  /** @param trial resume only this trial (paused, or stopped by a search). */
  act(id: number, action: ExperimentAction, trial?: number): Promise<Record<string, unknown>> {
    return this.call('POST', `/api/experiments/${id}/${action}`, trial === undefined ? {} : { trial });
  }

  plan(spec: string, source: string, workers?: number): Promise<Record<string, unknown>> {
    return this.call('POST', '/api/plan', { spec, source, ...(workers === undefined ? {} : { workers }) });
  }

  chaos(id: number, action: string, target: { rank?: number; node?: string; seconds?: number }): Promise<{ done: string }> {
    return this.call('POST', `/api/experiments/${id}/chaos`, { action, ...target });
  }

  /** A named token with a role (admins only); the token is in the answer this once. */
  createToken(name: string, role: string): Promise<{ name: string; role: string; token: string }> {
    return this.call('POST', '/api/tokens', { name, role });
  }

  async revokeToken(name: string): Promise<void> {
    await this.fetch('DELETE', `/api/tokens/${encodeURIComponent(name)}`);
  }

  tokens(): Promise<{ name: string; role: string; createdAt: string; revokedAt: string | null }[]> {
    return this.call('GET', '/api/tokens');
  }

  /** Sets (replaces) a user's quota; a limit left out is lifted (admins only). */
  setQuota(user: string, quota: { maxSlots?: number; maxPriority?: number }): Promise<QuotaView> {
    return this.call('PUT', `/api/quotas/${encodeURIComponent(user)}`, quota);
  }

  /** Every user's quota and the slots their trials hold (admins only). */
  quotas(): Promise<QuotaView[]> {
    return this.call('GET', '/api/quotas');
  }

  /** Every state-changing call after `after`: who made it and what it did (admins only). */
  audit(after = 0): Promise<{ id: number; ts: number; actor: string; experimentId: number | null; message: string }[]> {
    return this.call('GET', `/api/audit?after=${after}`);
  }

  agents(): Promise<Record<string, unknown>[]> {
    return this.call('GET', '/api/agents');
  }

  /** Streams log rows (NDJSON) to `onRow`; with follow, until the experiment ends. */
  async logs(id: number, follow: boolean, onRow: (row: { id: number; trialId: number; rank: number; line: string; ts: number }) => void): Promise<void> {
    const response = await this.fetch('GET', `/api/experiments/${id}/logs?follow=${follow}`);
    if (!response.body) return;
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.trim() !== '') onRow(JSON.parse(line));
      }
    }
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(method, path, body);
    return (await response.json()) as T;
  }

  /**
   * @throws {CoordinatorUnreachableError} @throws {ApiError}
   * @throws {CertificateTrustError} the coordinator's certificate is not trusted (nothing was sent)
   * @throws {InsecureCoordinatorError} a token would go to another host over plain HTTP
   */
  private async fetch(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) {
      if (this.base.protocol === 'http:' && !isLoopbackHost(this.base.hostname)) throw new InsecureCoordinatorError(this.base.origin);
      headers['authorization'] = `Bearer ${this.token}`;
    }
    let response: Response;
    try {
      response = await this.fetcher(new URL(path, this.base), { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (cause) {
      if (cause instanceof CertificateTrustError) throw cause;
      throw new CoordinatorUnreachableError(this.base.origin, { cause });
    }
    if (!response.ok) {
      let parsed: Partial<ApiErrorBody> = {};
      try {
        parsed = (await response.json()) as ApiErrorBody;
      } catch {
        // not JSON: keep the status line
      }
      throw new ApiError(
        response.status,
        parsed.error?.code ?? 'http_error',
        parsed.error?.message ?? `HTTP ${response.status} ${response.statusText}`,
        parsed.error?.problems ?? [],
      );
    }
    return response;
  }
}
