export { createZmqProcessGroup } from './create-zmq-process-group.js';
export type { ZmqProcessGroupOptions } from './zmq-options.js';
export { DEFAULT_SEGMENT_BYTES, DEFAULT_SHARED_MEMORY_LIMIT_BYTES, DEFAULT_TIMEOUT_MS } from './zmq-options.js';
export { createInMemoryGroups } from './create-in-memory-groups.js';
export type { InMemoryGroupOptions } from './create-in-memory-groups.js';
export { COLLECTIVE_OP } from './process-group.js';
export type { AllReduceOptions, CollectiveOp, Compression, ProcessGroup, ReduceOp } from './process-group.js';
export type { TraceContext } from './wire.js';
export {
  COLLECTIVE_ERROR_CODE,
  CollectiveArgumentError,
  CollectiveError,
  CollectiveMismatchError,
  CollectiveTimeoutError,
  GroupClosedError,
  PeerLostError,
} from './errors.js';
export type { CollectiveErrorCode, CollectiveErrorContext } from './errors.js';
export type { GroupEvent, GroupEventListener } from './group-events.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { bucketedGradients, DEFAULT_BUCKET_BYTES, GradientBucketer, planBuckets } from './gradient-bucketer.js';
export type { BucketRound, GradientBucketerOptions, NamedGradient, PlannedBucket } from './gradient-bucketer.js';
export { finishFp16Shards, fp16ReduceScatterHook, reduceScatterSumHook } from './shard-hooks.js';
export { Partition, shardChunk, shardRange } from './partition.js';
export { allReduceMeanHook, allReduceSumHook, commHookFor, fp16CompressHook, fp16CompressSumHook, reduceBucket } from './comm-hooks.js';
export type { BucketFinish, CommHook, GradBucket, HookState, ReducedBucket } from './comm-hooks.js';
export { collectiveSettingsFromSpec } from './spec-settings.js';
export type { CollectiveSettings } from './spec-settings.js';
export { RECOMMENDED_RANK_ENV } from '@orquesta/protocol';
