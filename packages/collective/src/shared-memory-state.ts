import type { SharedMemoryOp } from './shared-memory-all-reduce.js';
import type { SharedMemoryFiles } from './shared-memory-files.js';

/**
 * A group's shared-memory files in use: which tensors go through them (at most `limitBytes`), the
 * scratch segments, and the parity that alternates between consecutive operations.
 */
export class SharedMemoryState {
  private operations = 0;
  private readonly scratch: SharedMemoryOp['scratch'];

  constructor(
    readonly files: SharedMemoryFiles,
    readonly limitBytes: number,
    /** Elements per scratch segment. */
    segment: number,
    /** Group ranks of the files' owners when they are a sub-ring's (a host's ranks). */
    private readonly members?: readonly number[],
  ) {
    this.scratch = [new Float32Array(segment), new Float32Array(segment)];
  }

  /** The operation for a tensor of this size (taking the next parity), or undefined when it is over the limit. */
  next(data: Float32Array): SharedMemoryOp | undefined {
    if (data.byteLength > this.limitBytes) return undefined;
    const parity = this.operations++ % 2;
    return this.members === undefined
      ? { files: this.files, parity, scratch: this.scratch }
      : { files: this.files, parity, scratch: this.scratch, members: this.members };
  }
}
