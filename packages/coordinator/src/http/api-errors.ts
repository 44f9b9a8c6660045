/** Error codes of the HTTP API: every 4xx/5xx answer is `{error: {code, message}}`. */
export const API_ERROR = {
  badRequest: 'bad_request',
  invalidSpec: 'invalid_spec',
  notFound: 'not_found',
  conflict: 'conflict',
  payloadTooLarge: 'payload_too_large',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  internal: 'internal',
} as const;

export type ApiErrorCode = (typeof API_ERROR)[keyof typeof API_ERROR];

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string; readonly problems?: readonly string[] };
}
