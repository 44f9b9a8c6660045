/**
 * An agent's first call: `GET /api/cluster` for the control port and key. A coordinator that does not
 * answer yet (starting, restarting) is asked again, backing off from 0.5 s to 5 s, until a deadline;
 * one that answers with an error, or whose certificate is not trusted, is not.
 */
import { CertificateTrustError } from '../trust/certificate-trust-error.js';
import type { CoordinatorFetch } from '../trust/coordinator-fetch.js';

/** The coordinator's API cannot be reached, or answers with an error. */
export class CoordinatorLookupError extends Error {
  override readonly name = 'CoordinatorLookupError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export interface LookupOptions {
  readonly fetch: CoordinatorFetch;
  readonly log: (line: string) => void;
  /** Keep asking a coordinator that does not answer for this long, ms. Defaults to 60,000. */
  readonly timeoutMs?: number;
  /** Defaults to setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Defaults to Date.now. */
  readonly now?: () => number;
}

export interface ClusterAnswer {
  readonly controlPort: number;
  readonly controlPublicKey?: unknown;
}

/** @throws {CoordinatorLookupError} @throws {CertificateTrustError} (never retried: nothing was sent) */
export async function lookUpCoordinator(base: URL, options: LookupOptions): Promise<ClusterAnswer> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + (options.timeoutMs ?? 60_000);
  for (let wait = 500; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      const response = await options.fetch(new URL('/api/cluster', base), { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new CoordinatorLookupError(`cannot use the coordinator at ${base.origin}: HTTP ${response.status}${await explanation(response)}`);
      return (await response.json()) as ClusterAnswer;
    } catch (cause) {
      if (cause instanceof CertificateTrustError || cause instanceof CoordinatorLookupError) throw cause;
      // fetch reports a refused or reset connection as "fetch failed" with the reason as its cause.
      const why = String((cause as { cause?: Error }).cause?.message ?? (cause as Error).message);
      if (now() + wait > deadline) throw new CoordinatorLookupError(`cannot reach the coordinator at ${base.origin}: ${why}`, { cause });
      options.log(`the coordinator at ${base.origin} does not answer (${why}); asking again in ${wait / 1000} s`);
      await sleep(wait);
    }
  }
}

/** The API's error message, if the answer carries one (a 400 for plain HTTP on its TLS port names the URL to use). */
async function explanation(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    return body.error?.message ? `: ${body.error.message}` : '';
  } catch {
    return '';
  }
}
