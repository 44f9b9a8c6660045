export { ENV } from './env.js';
export { blasThreadsForRank, RECOMMENDED_RANK_ENV, RECOMMENDED_RANK_NODE_FLAGS, rankNodeFlags, recommendedRankEnv } from './rank-environment.js';
export type { EnvName } from './env.js';
export {
  BACKENDS,
  CheckpointSchema,
  CollectiveSchema,
  DataSchema,
  ExperimentSpecSchema,
  FaultToleranceSchema,
  ModelSchema,
  OptimizerSchema,
  ResourcesSchema,
  SchedulingSchema,
  SEARCH_KINDS,
  SEARCH_METRICS,
  SearchSchema,
  TokenizerSchema,
  TrainingSchema,
} from './experiment/experiment-schema.js';
export type {
  Backend,
  CheckpointSpec,
  CollectiveSpec,
  DataSpec,
  ExperimentSpec,
  ModelSpec,
  OptimizerSpec,
  ResourcesSpec,
  SearchIntRange,
  SearchRange,
  SearchSpec,
  SearchValues,
  TokenizerSpec,
  TrainingSpec,
} from './experiment/experiment-schema.js';
export { formatWorkerReport, parseWorkerReport, WORKER_REPORT, WORKER_REPORT_VERSION } from './messages/worker-report.js';
export type { TimeUse, WorkerMemory, WorkerReport, WorkerReportType } from './messages/worker-report.js';
export {
  CHAOS_ACTIONS,
  CONTROL,
  CONTROL_VERSION,
  ControlDecodeError,
  decodeControlMessage,
  encodeControlMessage,
  MAX_CONTROL_FRAME_BYTES,
} from './messages/control.js';
export { LAUNCHER_MESSAGE_VERSION, parseLauncherMessage } from './messages/launcher-message.js';
export type { LauncherMessage } from './messages/launcher-message.js';
export type { AgentMessage, ChaosAction, ControlMessage, CoordinatorMessage, RunningWorker, WorkerLaunch } from './messages/control.js';
export { specSchemaErrors } from './experiment/spec-validator.js';
export type { SpecSchemaResult } from './experiment/spec-validator.js';
export { parseWorkerSpec, rankEnv, readRankAssignment, readWorkerSetup, toWorkerEnv, workerSpecJson, WorkerSetupError } from './worker-setup.js';
export type { RankAssignment, WorkerSetup } from './worker-setup.js';
