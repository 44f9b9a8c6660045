/** Base of every error the model package throws. */
export class ModelError extends Error {
  override readonly name: string = 'ModelError';
}

/** A model configuration that cannot build a Transformer (e.g. d_model not divisible by heads). */
export class ModelConfigError extends ModelError {
  override readonly name = 'ModelConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The requested compute backend is unknown, not installed, or failed to start. */
export class BackendUnavailableError extends ModelError {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A checkpoint file that is not valid safetensors, or whose tensors do not fit the model. */
export class CheckpointFormatError extends ModelError {
  override readonly name = 'CheckpointFormatError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
