/** Failure modes of the coordinator's store. */

/** The database file cannot be opened, or was written by another schema version. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** No experiment (or trial) with this id. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly what: 'experiment' | 'trial',
    readonly id: number,
  ) {
    super(`no ${what} with id ${id}`);
  }
}

/** A state change raced another: the row was no longer in the state the change started from. */
export class StaleStateError extends Error {
  override readonly name = 'StaleStateError';
  constructor(message: string) {
    super(message);
  }
}
