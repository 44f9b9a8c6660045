/** Failures of coordinator operations requested by users (mapped to HTTP 4xx by the API). */

/** The user's quota does not allow the request (a priority above their max priority): HTTP 403. */
export class QuotaExceededError extends Error {
  override readonly name = 'QuotaExceededError';
  constructor(message: string) {
    super(message);
  }
}

/** The operation does not apply to the experiment's current state (HTTP 409). */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
  constructor(message: string) {
    super(message);
  }
}
