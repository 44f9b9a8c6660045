/**
 * SDK setup for a process entry point: spans go by OTLP/HTTP (JSON) to `endpoint` + /v1/traces,
 * batched. Without an endpoint nothing is set up and spans cost almost nothing (the API's no-op).
 */
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export interface TracingSetup {
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

export function startTracing(service: string, endpoint: string | undefined, attributes: Record<string, string | number> = {}): TracingSetup {
  if (!endpoint) return { shutdown: async () => {} };
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, ...attributes }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  trace.setGlobalTracerProvider(provider);
  return { shutdown: () => provider.shutdown() };
}
