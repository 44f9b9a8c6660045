/** Failure modes of the native kernels, each with its own class and code. */
export const KernelsErrorCode = {
  Unavailable: 'ERR_NATIVE_KERNELS_UNAVAILABLE',
  WasmInternals: 'ERR_WASM_INTERNALS_CHANGED',
} as const;

/** The addon is not built or does not load (no compiler or OpenBLAS at install time, another OS). */
export class NativeKernelsUnavailableError extends Error {
  readonly code = KernelsErrorCode.Unavailable;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NativeKernelsUnavailableError';
  }
}

/** tfjs-backend-wasm no longer has the internal fields the zero-copy overrides rely on. */
export class WasmInternalsChangedError extends Error {
  readonly code = KernelsErrorCode.WasmInternals;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WasmInternalsChangedError';
  }
}
