/** Why a client refuses a coordinator's TLS certificate (see coordinator-fetch.ts). */
export const CERTIFICATE_PROBLEM = {
  /** Not the fingerprint given with --tls-fingerprint. */
  notPinned: 'not_pinned',
  /** Not the certificate pinned for this coordinator on first use. */
  changed: 'changed',
  /** Not signed by the CA given with --ca (or its name does not match). */
  untrusted: 'untrusted',
  /** The port answers without TLS (a coordinator started with --insecure-http, or something else). */
  notTls: 'not_tls',
  /** The file of pinned certificates cannot be read or written. */
  knownFile: 'known_file',
  /** --ca names a file that holds no certificate, or --tls-fingerprint is not a SHA-256 fingerprint. */
  badOption: 'bad_option',
} as const;

export type CertificateProblem = (typeof CERTIFICATE_PROBLEM)[keyof typeof CERTIFICATE_PROBLEM];

/** The client refuses to talk to the coordinator: its certificate cannot be trusted. Nothing was sent. */
export class CertificateTrustError extends Error {
  override readonly name = 'CertificateTrustError';
  constructor(
    readonly problem: CertificateProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
