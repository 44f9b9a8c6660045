/**
 * SDK setup for a process entry point: a MeterProvider whose numbers a Prometheus scrape reads
 * (the handler is mounted by the caller's HTTP server, e.g. the coordinator's `/metrics`) and, with
 * an OTLP endpoint, that are also pushed by OTLP/HTTP every `otlpIntervalMs`.
 * Packages never call this; they take a Meter from @opentelemetry/api.
 */
import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { LiveSeries } from './live-series.js';

export interface MetricsSetup {
  readonly meter: Meter;
  /** Series read as they are at each collection (TrainingMetrics' running trials), by the same readers. */
  readonly live: LiveSeries;
  /** The Prometheus text exposition of every instrument (serve it with PROMETHEUS_CONTENT_TYPE). */
  readonly prometheusText: () => Promise<string>;
  shutdown(): Promise<void>;
}

export interface MetricsOptions {
  /** OTLP/HTTP base URL (metrics go to /v1/metrics), e.g. OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly otlpEndpoint?: string;
  /** Push period, in ms. Defaults to 10,000. */
  readonly otlpIntervalMs?: number;
  readonly attributes?: Record<string, string>;
  /**
   * Series per instrument before the SDK folds the rest into one `otel.metric.overflow` series.
   * Defaults to 50,000 (the SDK's own 2,000 is reached by per-trial series at about 300 running trials).
   */
  readonly cardinalityLimit?: number;
}

/** The content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** See MetricsOptions.cardinalityLimit. */
export const DEFAULT_CARDINALITY_LIMIT = 50_000;

export function startMetrics(service: string, options: MetricsOptions = {}): MetricsSetup {
  // The exporter is the pull reader; its serializer's defaults are the exporter's own.
  const live = new LiveSeries();
  const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers: [live] });
  const serializer = new PrometheusSerializer();
  const readers: MetricReader[] = [exporter];
  if (options.otlpEndpoint)
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/metrics` }),
        exportIntervalMillis: options.otlpIntervalMs ?? 10_000,
        metricProducers: [live],
      }),
    );
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service, ...options.attributes }),
    readers,
    views: [{ instrumentName: '*', aggregationCardinalityLimit: options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT }],
  });
  metrics.setGlobalMeterProvider(provider);
  return {
    meter: provider.getMeter('orquesta'),
    live,
    prometheusText: async () => serializer.serialize((await exporter.collect()).resourceMetrics),
    shutdown: () => provider.shutdown(),
  };
}
