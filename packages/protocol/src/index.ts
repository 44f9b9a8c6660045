export { ENV } from './env.js';
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
  SearchSchema,
  TokenizerSchema,
  TrainingSchema,
} from './spec/experiment-schema.js';
export type {
  Backend,
  CheckpointSpec,
  CollectiveSpec,
  DataSpec,
  ExperimentSpec,
  ModelSpec,
  OptimizerSpec,
  ResourcesSpec,
  SearchSpec,
  TokenizerSpec,
  TrainingSpec,
} from './spec/experiment-schema.js';
