/** `orquesta agent --coordinator URL`: a node agent, until SIGINT or SIGTERM (workers checkpoint first). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateKeyPair } from '@orquesta/curve';
import { CertificateTrustError, ControlKeyError, CoordinatorLookupError, runAgent } from '@orquesta/launch';
import { observeAgent, PROMETHEUS_CONTENT_TYPE, startMetrics } from '@orquesta/telemetry';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { apiToken, coordinatorUrl, trustedFetch } from './coordinator-client.js';
import { signalled } from './serve.js';

export interface AgentFlags {
  readonly coordinator?: string;
  readonly ca?: string;
  readonly tlsFingerprint?: string;
  readonly slots?: string;
  readonly id?: string;
  readonly advertiseHost?: string;
  readonly ports: string;
  readonly workdir?: string;
  readonly stateDir?: string;
  readonly metricsPort?: string;
  readonly stopGrace?: string;
  readonly printKey?: boolean;
  readonly controlKey?: string;
  readonly connectTimeout?: string;
}

export async function agentCommand(flags: AgentFlags, io: CliIO, until: Promise<unknown> = signalled()): Promise<ExitCode> {
  const slots = flags.slots === undefined ? undefined : Number(flags.slots);
  if (slots !== undefined && (!Number.isInteger(slots) || slots < 1 || slots > 4096)) {
    io.err(`orquesta agent: --slots must be a positive integer, got ${JSON.stringify(flags.slots)}`);
    return EXIT.usage;
  }
  const range = /^(\d+)-(\d+)$/.exec(flags.ports);
  const ports = range ? ([Number(range[1]), Number(range[2])] as const) : undefined;
  if (!ports || ports[0] < 1 || ports[1] > 65535 || ports[0] > ports[1]) {
    io.err(`orquesta agent: --ports must be a range FIRST-LAST of TCP ports, got ${JSON.stringify(flags.ports)}`);
    return EXIT.usage;
  }
  const metricsPort = flags.metricsPort === undefined ? undefined : Number(flags.metricsPort);
  if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)) {
    io.err(`orquesta agent: --metrics-port must be a TCP port, got ${JSON.stringify(flags.metricsPort)}`);
    return EXIT.usage;
  }
  const stopGraceSeconds = Number(flags.stopGrace ?? '60');
  if (!Number.isFinite(stopGraceSeconds) || stopGraceSeconds < 0 || stopGraceSeconds > 86_400) {
    io.err(`orquesta agent: --stop-grace must be seconds between 0 and 86400, got ${JSON.stringify(flags.stopGrace)}`);
    return EXIT.usage;
  }
  const connectTimeoutSeconds = Number(flags.connectTimeout ?? '60');
  if (!Number.isFinite(connectTimeoutSeconds) || connectTimeoutSeconds < 0 || connectTimeoutSeconds > 86_400) {
    io.err(`orquesta agent: --connect-timeout must be seconds between 0 and 86400, got ${JSON.stringify(flags.connectTimeout)}`);
    return EXIT.usage;
  }
  const workdir = resolve(flags.workdir ?? '.');
  const id = flags.id ?? hostname();
  const stateDir = resolve(flags.stateDir ?? join(workdir, '.orquesta', 'agents', id));
  let keys;
  try {
    keys = loadOrCreateKeyPair(join(stateDir, 'agent.key'));
  } catch (error) {
    io.err(`orquesta agent: ${(error as Error).message}`);
    return EXIT.failure;
  }
  if (flags.printKey) {
    io.out(`${keys.publicKey}  ${id}`);
    return EXIT.ok;
  }
  const stamp = () => new Date().toISOString();
  const log = (line: string) => io.err(`${stamp()} ${line}`);
  let running;
  try {
    running = await runAgent({
      coordinator: coordinatorUrl(flags),
      fetch: trustedFetch(flags, join(stateDir, 'known-coordinators.json'), log),
      id,
      ...(slots === undefined ? {} : { slots }),
      ...(flags.advertiseHost === undefined ? {} : { advertiseHost: flags.advertiseHost }),
      ports,
      workdir,
      stateDir,
      keys,
      stopGraceSeconds,
      connectTimeoutMs: connectTimeoutSeconds * 1000,
      workerMain: fileURLToPath(import.meta.resolve('@orquesta/worker/main')),
      log,
      env: process.env,
      ...(apiToken() ? { token: apiToken() as string } : {}),
      controlKeyPin: { file: join(stateDir, 'coordinator-keys.json'), ...(flags.controlKey === undefined ? {} : { expected: flags.controlKey }) },
    });
  } catch (error) {
    if (error instanceof CoordinatorLookupError || error instanceof ControlKeyError || error instanceof CertificateTrustError) {
      io.err(`orquesta agent: ${error.message}`);
      return EXIT.failure;
    }
    throw error;
  }
  const metrics = startMetrics('orquesta-agent', { attributes: { agent: id }, otlpEndpoint: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] });
  const agent = running.agent;
  observeAgent(metrics.meter, () => ({ slots: agent.slots, workers: agent.running().length }));
  const server =
    metricsPort === undefined
      ? undefined
      : createServer((request, response) => {
          if (request.url !== '/metrics') return void response.writeHead(404).end();
          metrics.prometheusText().then(
            (text) => response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text),
            (error: Error) => response.writeHead(500).end(`# cannot collect metrics: ${error.message}\n`),
          );
        });
  if (server) {
    await new Promise<void>((ok) => server.listen(metricsPort, ok));
    io.err(`orquesta agent: metrics at http://0.0.0.0:${(server.address() as AddressInfo).port}/metrics`);
  }
  await until;
  server?.close();
  await metrics.shutdown();
  io.err(`orquesta agent: stopping; ${running.agent.running().length} worker(s) checkpoint and stop first`);
  await running.close();
  return EXIT.ok;
}
