/**
 * Series whose values live in Orquesta's own maps (RetainedValues, OverRanks), produced at each
 * collection as they are at that moment: a series forgotten when its trial's run ended is gone from
 * the next scrape. (Registered as observable instruments instead, they would stay: the SDK's
 * cumulative storage merges every attribute set an instrument ever reported into each collection,
 * so a cluster that has run thousands of trials would export, and hold in memory, all of them.)
 * A MetricProducer, given to the Prometheus and OTLP readers by startMetrics.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type CollectionResult, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';

/** One instrument's series now. */
export interface LiveSource {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** A gauge (the latest value) or a monotonic counter (a running total). */
  readonly kind: 'gauge' | 'counter';
  points(): Iterable<{ readonly attributes: Attributes; readonly value: number }>;
}

export class LiveSeries implements MetricProducer {
  private readonly sources: LiveSource[] = [];
  private readonly startTime = hrTime();

  add(source: LiveSource): void {
    this.sources.push(source);
  }

  async collect(): Promise<CollectionResult> {
    const endTime = hrTime();
    const metrics: MetricData[] = [];
    for (const source of this.sources) {
      const dataPoints = [...source.points()].map(({ attributes, value }) => ({ startTime: this.startTime, endTime, attributes, value }));
      if (dataPoints.length === 0) continue;
      const descriptor = { name: source.name, description: source.description, unit: source.unit, valueType: ValueType.DOUBLE };
      metrics.push(
        source.kind === 'gauge'
          ? { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints }
          : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints },
      );
    }
    return { resourceMetrics: { resource: resourceFromAttributes({}), scopeMetrics: [{ scope: { name: 'orquesta' }, metrics }] }, errors: [] };
  }
}

function hrTime(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}
