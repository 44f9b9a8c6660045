/** `orquesta serve`: the coordinator daemon, until SIGINT or SIGTERM. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isLoopbackHost,
  loadCertificate,
  loadOrCreateCertificate,
  loadOrCreateToken,
  startServer,
  StoreOpenError,
  type TlsIdentity,
} from '@orquesta/coordinator';
import { AgentKeyList, loadOrCreateKeyPair } from '@orquesta/curve';
import { dashboardAssets } from '@orquesta/dashboard';
import { startMetrics } from '@orquesta/telemetry';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

export interface ServeFlags {
  readonly host: string;
  readonly port: string;
  readonly controlPort?: string;
  readonly db: string;
  readonly workdir?: string;
  readonly slurm?: boolean;
  readonly tokenFile?: string;
  readonly allowPath: string[];
  readonly readAuth?: boolean;
  readonly agentKeys?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly insecureHttp?: boolean;
}

export async function serveCommand(flags: ServeFlags, io: CliIO, until: Promise<unknown> = signalled()): Promise<ExitCode> {
  const port = Number(flags.port);
  const controlPort = flags.controlPort === undefined ? undefined : Number(flags.controlPort);
  for (const [name, value] of [
    ['--port', port],
    ['--control-port', controlPort],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 65535)) {
      io.err(`orquesta serve: ${name} must be a TCP port (0-65535)`);
      return EXIT.usage;
    }
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    io.err('orquesta serve: --tls-cert and --tls-key go together');
    return EXIT.usage;
  }
  if (flags.insecureHttp && flags.tlsCert !== undefined) {
    io.err('orquesta serve: --insecure-http serves plain HTTP: it takes no --tls-cert/--tls-key');
    return EXIT.usage;
  }
  if (flags.insecureHttp && !isLoopbackHost(flags.host)) {
    io.err(
      `orquesta serve: --insecure-http is for development on this machine only (tokens would cross the network in clear text): --host must be a loopback address, got ${flags.host}`,
    );
    return EXIT.usage;
  }
  const stamp = () => new Date().toISOString();
  const log = (line: string) => io.err(`${stamp()} ${line}`);
  // Flags are checked before anything is created on disk.
  let agentKeys;
  try {
    agentKeys = flags.agentKeys === undefined ? undefined : new AgentKeyList(resolve(flags.agentKeys), log);
  } catch (error) {
    io.err(`orquesta serve: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const tokenFile = resolve(flags.tokenFile ?? join(dirname(resolve(flags.db)), 'token'));
  let token;
  let controlKeys;
  let taskKeys;
  let tls: TlsIdentity | undefined;
  try {
    token = loadOrCreateToken(tokenFile);
    // Shown as soon as it exists, so a failure further on cannot hide it.
    if (token.created) io.err(`orquesta serve: API token (shown once; kept in ${tokenFile}, mode 0600): ${token.value}`);
    controlKeys = loadOrCreateKeyPair(join(dirname(tokenFile), 'control.key'));
    taskKeys = loadOrCreateKeyPair(join(dirname(tokenFile), 'slurm-task.key'));
    tls = await serverCertificate(flags, dirname(tokenFile));
  } catch (error) {
    io.err(`orquesta serve: ${(error as Error).message}`);
    return EXIT.failure;
  }
  if (agentKeys) io.err(`orquesta serve: control socket admits the ${agentKeys.size} agent key(s) in ${agentKeys.file} (and Slurm tasks)`);
  const metrics = startMetrics('orquesta-coordinator', { otlpEndpoint: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] });
  let server;
  try {
    server = await startServer({
      host: flags.host,
      port,
      ...(controlPort === undefined ? {} : { controlPort }),
      db: resolve(flags.db),
      workdir: resolve(flags.workdir ?? '.'),
      log,
      metrics,
      assets: dashboardAssets(),
      token: token.value,
      controlKeys,
      taskKeys,
      ...(agentKeys ? { agentKeys } : {}),
      pathRoots: [resolve(flags.workdir ?? '.'), ...flags.allowPath.map((p) => resolve(p))],
      ...(flags.readAuth ? { readAuth: true } : {}),
      ...(tls ? { tls } : {}),
      modelCli: fileURLToPath(new URL('../../bin/orquesta.js', import.meta.url)),
      ...(flags.slurm
        ? { slurm: { cli: fileURLToPath(new URL('../../bin/orquesta.js', import.meta.url)), stateDir: join(dirname(resolve(flags.db)), 'slurm-runs') } }
        : {}),
    });
  } catch (error) {
    await metrics.shutdown();
    io.err(`orquesta serve: ${error instanceof StoreOpenError ? error.message : `cannot start: ${(error as Error).message}`}`);
    return EXIT.failure;
  }
  io.err(`orquesta serve: dashboard and API ${server.url}, agents connect to ${server.controlEndpoint}, state in ${resolve(flags.db)}`);
  if (tls)
    io.err(
      `orquesta serve: TLS certificate SHA-256 ${tls.fingerprint} (${tls.created ? 'self-signed, made now in ' : ''}${tls.certFile}); clients pin it on first contact, or take --tls-fingerprint or --ca`,
    );
  else io.err('orquesta serve: --insecure-http: plain HTTP, tokens in clear text; for development on this machine only');
  io.err(`orquesta serve: control socket key ${controlKeys.publicKey} (agents pin it on first contact; \`orquesta agent --control-key\` gives it to them)`);
  await until;
  io.err('orquesta serve: shutting down (running workers keep running; their agents re-register on restart)');
  await server.close();
  await metrics.shutdown();
  return EXIT.ok;
}

/** --tls-cert/--tls-key, or the self-signed certificate in `dir` (made on first start); none with --insecure-http. */
async function serverCertificate(flags: ServeFlags, dir: string): Promise<TlsIdentity | undefined> {
  if (flags.insecureHttp) return undefined;
  if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) return loadCertificate(resolve(flags.tlsCert), resolve(flags.tlsKey));
  return loadOrCreateCertificate(join(dir, 'tls.crt'), join(dir, 'tls.key'), [flags.host]);
}

export function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolveSignal(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
