/** Error codes of the HTTP API: every 4xx/5xx answer is `{error: {code, message}}`. */
export const API_ERROR = {
  badRequest: 'bad_request',
  invalidSpec: 'invalid_spec',
  notFound: 'not_found',
  conflict: 'conflict',
  payloadTooLarge: 'payload_too_large',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  /** The user's quota does not allow it (403). */
  quotaExceeded: 'quota_exceeded',
  /** Nothing to serve: the experiment has no checkpoint (yet), or not the one asked for (409). */
  noCheckpoint: 'no_checkpoint',
  /** The model server of a checkpoint could not start (503). */
  unavailable: 'unavailable',
  /** Plain HTTP on the API's TLS port (400, answered before any HTTP parsing). */
  tlsRequired: 'tls_required',
  internal: 'internal',
} as const;

export type ApiErrorCode = (typeof API_ERROR)[keyof typeof API_ERROR];

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string; readonly problems?: readonly string[] };
}
