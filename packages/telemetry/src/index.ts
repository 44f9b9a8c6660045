export { METRIC, SECONDS_BUCKETS } from './metric-names.js';
export type { MetricKey } from './metric-names.js';
export { TrainingMetrics } from './training-metrics.js';
export type { ProgressSample } from './training-metrics.js';
export { ClusterMetrics } from './cluster-metrics.js';
export type { ClusterSnapshot } from './cluster-metrics.js';
export { startMetrics } from './start-metrics.js';
export type { MetricsSetup } from './start-metrics.js';
