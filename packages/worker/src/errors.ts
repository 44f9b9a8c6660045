/** Base of the worker's errors. */
export class WorkerError extends Error {
  override readonly name: string = 'WorkerError';
}

/** Replicas' parameters differ: data-parallel training has gone wrong and must stop. */
export class ReplicaMismatchError extends WorkerError {
  override readonly name = 'ReplicaMismatchError';
  constructor(
    readonly step: number,
    /** Ranks whose parameter checksum differs from rank 0's. */
    readonly ranks: readonly number[],
  ) {
    super(`parameters of rank(s) ${ranks.join(', ')} differ from rank 0 at step ${step}; replicas have drifted`);
  }
}

/** A checkpoint that cannot be used: missing files, checksum mismatch, or not this model's. */
export class CheckpointError extends WorkerError {
  override readonly name = 'CheckpointError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}

/** The loss became NaN or infinite: the run cannot continue from this state. */
export class TrainingDivergedError extends WorkerError {
  override readonly name = 'TrainingDivergedError';
  constructor(readonly step: number) {
    super(`loss is not finite at step ${step}; lower optimizer.lr or raise warmup_steps, and resume from the last checkpoint`);
  }
}

/** Peer recovery could not go on: no rank holds the training state, or no order to regroup came in time. */
export class PeerRecoveryError extends WorkerError {
  override readonly name = 'PeerRecoveryError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
