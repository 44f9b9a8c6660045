import { float32Codec, type ElementCodec } from './element-codec.js';
import type { HierarchicalOp } from './hierarchical-all-reduce.js';
import type { NativeRing } from './native-ring.js';
import { nativeRingSteps, type NativeStepsHost } from './native-ring-steps.js';
import type { OpChannel, RingView } from './op-channel.js';
import { viewOf, type RingMembers } from './placement.js';
import { ringAllReduce } from './ring-all-reduce.js';
import { SharedMemoryState } from './shared-memory-state.js';
import type { SharedMemoryFiles } from './shared-memory-files.js';
import { DTYPE, type Dtype } from './wire.js';

/** What RingProcessGroup.useHierarchy is given. */
export interface HierarchySetup {
  readonly files: SharedMemoryFiles;
  readonly limitBytes: number;
  readonly local: RingMembers;
  readonly cross: RingMembers;
  readonly native: NativeRing | undefined;
}

/**
 * A group's hierarchical all-reduces in use (hierarchical-all-reduce.ts): the host's shared-memory files,
 * this rank's host ring and cross-host ring, and the native ring across hosts when there is one.
 */
export class HierarchyState {
  readonly shared: SharedMemoryState;
  readonly local: RingView;
  readonly cross: RingView;
  readonly native: NativeRing | undefined;

  constructor(
    setup: HierarchySetup,
    private readonly segmentElements: (dtype: Dtype) => number,
    private readonly nativeHost: NativeStepsHost,
  ) {
    [this.local, this.cross] = [viewOf(setup.local), viewOf(setup.cross)];
    this.native = setup.native;
    this.shared = new SharedMemoryState(setup.files, setup.limitBytes, segmentElements(DTYPE.f32), setup.local.members);
  }

  /** The hierarchical all-reduce of a tensor of this size (taking the next parity), or undefined for the flat paths. */
  opFor(data: Float32Array, codec: ElementCodec): HierarchicalOp | undefined {
    const shared = this.shared.next(data);
    if (shared === undefined) return undefined;
    const native = codec === float32Codec ? this.native : undefined;
    const crossAllReduce = async (ch: OpChannel, part: Float32Array, stepBase: number): Promise<void> => {
      if (native !== undefined) await nativeRingSteps(ch, native, part, 0, 2 * this.cross.size - 3, stepBase, this.nativeHost);
      else await ringAllReduce(ch, part, codec, this.segmentElements(codec.dtype), stepBase);
    };
    const piece = 8 * this.segmentElements(DTYPE.f32);
    return { shared, local: this.local, cross: this.cross, piece, crossAllReduce, crossRunsAside: native !== undefined };
  }
}
