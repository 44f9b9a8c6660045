import { describe, expect, it } from 'vitest';
import { CERTIFICATE_PROBLEM, CertificateTrustError } from '../trust/certificate-trust-error.js';
import type { CoordinatorFetch } from '../trust/coordinator-fetch.js';
import { CoordinatorLookupError, lookUpCoordinator } from './coordinator-lookup.js';

const BASE = new URL('https://coordinator.test:7070');
const refused = () => new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 10.0.0.1:7070') });

/** A fetch that plays `answers` in turn, on a clock that only sleeping moves. */
function scripted(answers: (() => Response)[]) {
  let clock = 0;
  const calls: number[] = [];
  const log: string[] = [];
  const fetch: CoordinatorFetch = async () => {
    calls.push(clock);
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  };
  const options = { fetch, log: (line: string) => log.push(line), now: () => clock, sleep: async (ms: number) => void (clock += ms) };
  return { options, calls, log };
}

const answer = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe("an agent's first call to the coordinator", () => {
  it('asks again, backing off, while the coordinator does not answer, and goes on once it does', async () => {
    const down = () => {
      throw refused();
    };
    const { options, calls, log } = scripted([down, down, down, answer(200, { controlPort: 7071, controlPublicKey: 'k' })]);
    expect(await lookUpCoordinator(BASE, options)).toEqual({ controlPort: 7071, controlPublicKey: 'k' });
    expect(calls).toEqual([0, 500, 1500, 3500]);
    expect(log[0]).toBe('the coordinator at https://coordinator.test:7070 does not answer (connect ECONNREFUSED 10.0.0.1:7070); asking again in 0.5 s');
  });

  it('gives up at the deadline, naming why', async () => {
    const { options, calls } = scripted(
      Array.from({ length: 20 }, () => () => {
        throw refused();
      }),
    );
    await expect(lookUpCoordinator(BASE, { ...options, timeoutMs: 10_000 })).rejects.toThrow(
      new CoordinatorLookupError('cannot reach the coordinator at https://coordinator.test:7070: connect ECONNREFUSED 10.0.0.1:7070'),
    );
    expect(calls).toEqual([0, 500, 1500, 3500, 7500]);
  });

  it('does not ask again a coordinator that answers with an error, nor one whose certificate is not trusted', async () => {
    const tlsPort = scripted([answer(400, { error: { code: 'tls_required', message: 'this coordinator speaks HTTPS only: use https://10.0.0.1:7070' } })]);
    await expect(lookUpCoordinator(BASE, tlsPort.options)).rejects.toThrow(
      'cannot use the coordinator at https://coordinator.test:7070: HTTP 400: this coordinator speaks HTTPS only: use https://10.0.0.1:7070',
    );
    expect(tlsPort.calls).toHaveLength(1);
    const changed = scripted([
      () => {
        throw new CertificateTrustError(CERTIFICATE_PROBLEM.changed, 'another certificate');
      },
    ]);
    await expect(lookUpCoordinator(BASE, changed.options)).rejects.toBeInstanceOf(CertificateTrustError);
    expect(changed.calls).toHaveLength(1);
  });
});
