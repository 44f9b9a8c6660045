import { float32Codec, type ElementCodec } from './element-codec.js';
import { hierarchicalAllReduce } from './hierarchical-all-reduce.js';
import { HierarchyState, type HierarchySetup } from './hierarchy-state.js';
import type { NativeRing } from './native-ring.js';
import { nativeRingSteps, type NativeStepsHost } from './native-ring-steps.js';
import type { OpChannel } from './op-channel.js';
import { ringAllReduce, ringReduceScatter, ringShardGather } from './ring-all-reduce.js';
import { sharedMemoryAllReduce, sharedMemoryReduceScatter, sharedMemoryShardGather } from './shared-memory-all-reduce.js';
import type { SharedMemoryFiles } from './shared-memory-files.js';
import { SharedMemoryState } from './shared-memory-state.js';
import { DTYPE, type Dtype } from './wire.js';

/**
 * Which data plane carries a group's reductions and shard gathers: shared memory (every rank on this
 * host, up to its size limit), the hierarchical all-reduce, the native ring (float32), or the
 * TypeScript ring. The group switches planes on with the `use*` calls (every rank at the same point of
 * its call sequence) and closes them.
 */
export class DataPlanes {
  /** Set when every rank runs on this host: all-reduces go through these files (see useSharedMemory). */
  private shared: SharedMemoryState | undefined;
  /** Set when every rank opened the native ring: float32 ring operations run on it (see useNativeRing). */
  private native: NativeRing | undefined;
  /** Set when all-reduces are hierarchical (see useHierarchy). */
  private hierarchy: HierarchyState | undefined;

  constructor(
    private readonly worldSize: number,
    private readonly segmentElements: (dtype: Dtype) => number,
    private readonly nativeHost: NativeStepsHost,
  ) {}

  /**
   * From now on, all-reduces (and reduce-scatters and shard gathers) of at most `limitBytes` go through `files` (every rank's shared-memory
   * files, opened by all ranks) instead of the ring: float32 sums, whatever the compression (nothing
   * crosses a network); larger ones keep the ring.
   */
  useSharedMemory(files: SharedMemoryFiles, limitBytes: number): void {
    this.shared = new SharedMemoryState(files, limitBytes, this.segmentElements(DTYPE.f32));
  }

  /**
   * From now on, float32 all-reduces, reduce-scatters and shard gathers that do not go through shared
   * memory run on `ring` (the native data plane: the same steps, frames and sums as the TypeScript ring,
   * off the JavaScript thread); fp16 ones and the other operations keep the TypeScript ring.
   */
  useNativeRing(ring: NativeRing): void {
    this.native = ring;
  }

  /**
   * From now on, all-reduces of at most `limitBytes` are hierarchical (hierarchical-all-reduce.ts):
   * within the host through `files` (this host's ranks' shared-memory files, indexed by local position),
   * across hosts on `native` (float32) or the TypeScript ring among `cross`. Reduce-scatters, shard
   * gathers and larger all-reduces keep the flat ring. @returns the left neighbours of its two sub-rings.
   */
  useHierarchy(setup: HierarchySetup): readonly number[] {
    this.hierarchy = new HierarchyState(setup, this.segmentElements, this.nativeHost);
    return [this.hierarchy.local.left, this.hierarchy.cross.left];
  }

  /** An all-reduce (`all`) or a reduce-scatter of `data` in place, on the plane that carries it. */
  async reduce(ch: OpChannel, data: Float32Array, codec: ElementCodec, all: boolean): Promise<void> {
    const shared = this.shared?.next(data);
    const hierarchy = all ? this.hierarchy?.opFor(data, codec) : undefined;
    if (shared !== undefined) await (all ? sharedMemoryAllReduce : sharedMemoryReduceScatter)(ch, data, shared);
    else if (hierarchy !== undefined) await hierarchicalAllReduce(ch, data, hierarchy);
    else if (this.native !== undefined && codec === float32Codec)
      await nativeRingSteps(ch, this.native, data, 0, all ? 2 * this.worldSize - 3 : this.worldSize - 2, 0, this.nativeHost);
    else await (all ? ringAllReduce : ringReduceScatter)(ch, data, codec, this.segmentElements(codec.dtype));
  }

  async shardGather(ch: OpChannel, data: Float32Array): Promise<void> {
    const shared = this.shared?.next(data);
    if (shared !== undefined) await sharedMemoryShardGather(ch, data, shared);
    else if (this.native !== undefined) await nativeRingSteps(ch, this.native, data, this.worldSize - 1, 2 * this.worldSize - 3, 0, this.nativeHost);
    else await ringShardGather(ch, data, float32Codec, this.segmentElements(DTYPE.f32));
  }

  /** Interrupts the native rings' running steps (the group failed). */
  cancel(): void {
    this.native?.cancel();
    this.hierarchy?.native?.cancel();
  }

  async close(): Promise<void> {
    await this.native?.close();
    await this.hierarchy?.native?.close();
    this.shared?.files.close();
    this.hierarchy?.shared.files.close();
  }
}
