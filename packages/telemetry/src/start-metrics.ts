/**
 * SDK setup for a process entry point: a MeterProvider whose numbers a Prometheus scrape reads
 * (the handler is mounted by the caller's HTTP server, e.g. the coordinator's `/metrics`).
 * Packages never call this; they take a Meter from @opentelemetry/api.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

export interface MetricsSetup {
  readonly meter: Meter;
  /** Serves the Prometheus text exposition of every instrument. */
  readonly prometheus: (request: IncomingMessage, response: ServerResponse) => void;
  shutdown(): Promise<void>;
}

export function startMetrics(service: string, attributes: Record<string, string> = {}): MetricsSetup {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, ...attributes }), readers: [exporter] });
  metrics.setGlobalMeterProvider(provider);
  return {
    meter: provider.getMeter('orquesta'),
    prometheus: (request, response) => exporter.getMetricsRequestHandler(request, response),
    shutdown: () => provider.shutdown(),
  };
}
