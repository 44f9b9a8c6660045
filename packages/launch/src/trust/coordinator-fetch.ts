/**
 * `fetch` for a coordinator's API that decides, after the TLS handshake and before a byte of the request
 * (tokens included) is written, whether the certificate is the coordinator's:
 * - with a CA (`--ca FILE`): the chain must verify against it and the name match, as any TLS client;
 * - with a fingerprint (`--tls-fingerprint`): the certificate's SHA-256 must be that one;
 * - otherwise a certificate the system's CAs vouch for is accepted, and any other (the self-signed one
 *   `orquesta serve` makes) is pinned on first use in a known-coordinators file (origin -> fingerprint,
 *   like ssh's known_hosts) and required ever after.
 * A port that answers without TLS is named as such. Plain `http://` URLs are fetched as they are
 * (a coordinator started with --insecure-http on this machine).
 */
import type { TLSSocket } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { CERTIFICATE_PROBLEM, CertificateTrustError } from './certificate-trust-error.js';
import { readPins, writePins } from './pin-file.js';

export interface CoordinatorTrust {
  /** PEM of the CA that signs the coordinator's certificate (or the certificate itself); nothing is pinned. */
  readonly ca?: { readonly pem: string; readonly file: string };
  /** SHA-256 fingerprint of the coordinator's certificate (see normalizeFingerprint): the only one accepted. */
  readonly fingerprint?: string;
  /** JSON file of certificates pinned on first use, by origin. */
  readonly knownFile: string;
  /** Told when a certificate is pinned on first use. */
  readonly log?: (line: string) => void;
  /** Clock for the pin's date. Defaults to the system's. */
  readonly now?: () => Date;
}

/** The global fetch's signature (undici's Response is the same class). */
export type CoordinatorFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

type Pin = { readonly certificate: string; readonly since: string };

/** `AB:CD:...` (32 bytes), 64 hex digits, with or without `SHA256:`, to Node's `fingerprint256` form; undefined if not one. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text
    .trim()
    .replace(/^sha-?256:?/i, '')
    .replace(/:/g, '')
    .toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? (hex.match(/../g) as string[]).join(':') : undefined;
}

/** @throws {CertificateTrustError} the fingerprint option is not one (bad_option). */
export function coordinatorFetch(trust: CoordinatorTrust): CoordinatorFetch {
  const expected = trust.fingerprint === undefined ? undefined : normalizeFingerprint(trust.fingerprint);
  if (trust.fingerprint !== undefined && expected === undefined)
    throw new CertificateTrustError(
      CERTIFICATE_PROBLEM.badOption,
      `--tls-fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed), got ${JSON.stringify(trust.fingerprint)}`,
    );
  // No TLS session resumption: a resumed session shows no peer certificate, and every connection is judged on its own.
  const connector = buildConnector({ rejectUnauthorized: false, maxCachedSessions: 0, ...(trust.ca ? { ca: trust.ca.pem } : {}) });
  const dispatcher = new Agent({
    connect: (options, callback) =>
      connector(options, (error, socket) => {
        const origin = `${options.protocol}//${options.hostname}:${options.port}`;
        if (error !== null) return callback(describeHandshakeError(error, origin), null);
        if (options.protocol !== 'https:') return callback(null, socket);
        try {
          judge(socket as TLSSocket, origin, trust, expected);
          callback(null, socket);
        } catch (refusal) {
          socket.destroy();
          callback(refusal as Error, null);
        }
      }),
  });
  return async (url, init) => {
    try {
      return (await undiciFetch(url, { ...(init as object), dispatcher })) as unknown as Response;
    } catch (error) {
      // undici reports a failed connection as "fetch failed" with the connector's error as its cause.
      const cause = (error as { cause?: unknown }).cause;
      throw cause instanceof CertificateTrustError ? cause : error;
    }
  };
}

/** @throws {CertificateTrustError} */
function judge(socket: TLSSocket, origin: string, trust: CoordinatorTrust, expected: string | undefined): void {
  const served = socket.getPeerCertificate().fingerprint256;
  if (trust.ca) {
    if (!socket.authorized)
      throw new CertificateTrustError(
        CERTIFICATE_PROBLEM.untrusted,
        `the coordinator at ${origin} presents a certificate (SHA-256 ${served}) that ${trust.ca.file} does not vouch for: ${String(socket.authorizationError)}; refusing to send anything`,
      );
    return;
  }
  if (expected !== undefined) {
    if (served !== expected)
      throw new CertificateTrustError(
        CERTIFICATE_PROBLEM.notPinned,
        `the coordinator at ${origin} presents certificate SHA-256 ${served}, not ${expected} (--tls-fingerprint); refusing to send anything: another host may be answering in its place`,
      );
    return;
  }
  if (socket.authorized) return;
  let pins: Record<string, Pin>;
  try {
    pins = readPins<Pin>(trust.knownFile);
  } catch (error) {
    throw new CertificateTrustError(CERTIFICATE_PROBLEM.knownFile, `cannot read the pinned certificates ${trust.knownFile}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const known = pins[origin];
  if (known) {
    if (known.certificate !== served)
      throw new CertificateTrustError(
        CERTIFICATE_PROBLEM.changed,
        `the coordinator at ${origin} presents certificate SHA-256 ${served}, but ${known.certificate} was pinned for it on ${known.since} (${trust.knownFile}); refusing to send anything: another host may be answering in its place. If its certificate really changed, remove that entry, or give --tls-fingerprint or --ca`,
      );
    return;
  }
  try {
    writePins(trust.knownFile, { ...pins, [origin]: { certificate: served, since: (trust.now?.() ?? new Date()).toISOString() } });
  } catch (error) {
    throw new CertificateTrustError(
      CERTIFICATE_PROBLEM.knownFile,
      `cannot record the coordinator's certificate in ${trust.knownFile}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  trust.log?.(
    `trusting the coordinator's certificate at ${origin} on first use: SHA-256 ${served} (pinned in ${trust.knownFile}; \`orquesta serve\` printed its fingerprint at start: compare them)`,
  );
}

/** A handshake with a port that speaks plain HTTP fails with OpenSSL's record-layer errors: say what it means. */
function describeHandshakeError(error: Error, origin: string): Error {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/.test(code) || /wrong version number|packet length too long/.test(error.message))
    return new CertificateTrustError(
      CERTIFICATE_PROBLEM.notTls,
      `${origin} does not speak TLS (a coordinator started with --insecure-http? then use ${origin.replace(/^https:/, 'http:')} on its own machine)`,
      { cause: error },
    );
  return error;
}
