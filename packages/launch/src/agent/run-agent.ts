/**
 * `orquesta agent`: finds the coordinator's control port and key through its HTTP API, connects with
 * CURVE only, to a key it trusts (control-key-pin.ts), registers this node's slots and heartbeats. Workers started for the coordinator survive a coordinator
 * restart; stopping the agent asks them to checkpoint and stop first.
 */
import { availableParallelism } from 'node:os';
import type { KeyPair } from '@orquesta/curve';
import { ZmqAgentConnection } from './zmq-agent-connection.js';
import { detectGpus } from './detect-gpus.js';
import { firstIPv4 } from './host-address.js';
import { NodeAgent } from './node-agent.js';
import { trustControlKey, type ControlKeyPin } from './control-key-pin.js';
import { lookUpCoordinator } from './coordinator-lookup.js';
import type { CoordinatorFetch } from '../trust/coordinator-fetch.js';

export interface RunAgentOptions {
  /** Coordinator base URL, e.g. https://10.0.0.1:7070. */
  readonly coordinator: string;
  /** How the API is fetched: `coordinatorFetch(trust)` checks the coordinator's TLS certificate (pinned, or against a CA). */
  readonly fetch: CoordinatorFetch;
  readonly id: string;
  /** Slots to offer; defaults to the GPUs found, else the CPU cores. */
  readonly slots?: number;
  /** Address peers reach this node's workers at; defaults to the first non-internal IPv4 address. */
  readonly advertiseHost?: string;
  readonly ports: readonly [number, number];
  readonly workdir: string;
  readonly stateDir: string;
  readonly workerMain: string;
  readonly log: (line: string) => void;
  /** The coordinator's token, presented when registering. */
  readonly token?: string;
  /** This agent's long-term CURVE key pair (see loadOrCreateKeyPair), checked by a coordinator with an agent key list. */
  readonly keys: KeyPair;
  /** The agent's environment, inherited by its workers (the entry point passes process.env). */
  readonly env: Readonly<NodeJS.ProcessEnv>;
  /** Seconds workers get to checkpoint when the agent stops. Defaults to 60. */
  readonly stopGraceSeconds?: number;
  /** Which control key to trust: the one given, or the one pinned in a file on first use. */
  readonly controlKeyPin: ControlKeyPin;
  /**
   * How long to keep trying a coordinator that does not answer at start (not up yet, restarting), ms;
   * attempts back off from 0.5 s to 5 s. Defaults to 60,000. A certificate that is not trusted is never retried.
   */
  readonly connectTimeoutMs?: number;
}

/**
 * @throws {CoordinatorLookupError} the coordinator's API cannot be reached.
 * @throws {CertificateTrustError} its TLS certificate is not the one trusted: nothing is sent to it.
 * @throws {ControlKeyError} it offers no control key, or one this agent does not trust: nothing is sent to it.
 */
export async function runAgent(options: RunAgentOptions): Promise<{ agent: NodeAgent; close(): Promise<void> }> {
  const base = new URL(options.coordinator);
  const { controlPort, controlPublicKey: served } = await lookUpCoordinator(base, {
    fetch: options.fetch,
    log: options.log,
    ...(options.connectTimeoutMs === undefined ? {} : { timeoutMs: options.connectTimeoutMs }),
  });
  const trusted = trustControlKey(served, base.origin, options.controlKeyPin);
  if (trusted.firstUse) options.log(`trusting the coordinator's control key ${trusted.key} on first use (pinned in ${options.controlKeyPin.file})`);
  const controlPublicKey = trusted.key;
  const gpus = await detectGpus();
  const slots = options.slots ?? (gpus.length > 0 ? gpus.length : availableParallelism());
  const endpoint = `tcp://${base.hostname}:${controlPort}`;
  const target: { agent?: NodeAgent } = {};
  const connection = new ZmqAgentConnection({
    id: options.id,
    endpoint,
    onFrame: (frame) => target.agent?.receive(frame),
    log: options.log,
    serverKey: controlPublicKey,
    clientKeys: options.keys,
  });
  options.log(`control connection CURVE-encrypted; this agent's public key: ${options.keys.publicKey}`);
  const a = new NodeAgent({
    id: options.id,
    host: options.advertiseHost ?? firstIPv4(),
    slots,
    gpus: gpus.slice(0, slots),
    ports: options.ports,
    workdir: options.workdir,
    stateDir: options.stateDir,
    workerMain: options.workerMain,
    connection,
    baseEnv: options.env,
    log: options.log,
    ...(options.token ? { token: options.token } : {}),
  });
  target.agent = a;
  a.hello();
  let timer: NodeJS.Timeout;
  let period = a.heartbeatMs;
  const beat = () => {
    a.heartbeat();
    if (a.heartbeatMs !== period) {
      period = a.heartbeatMs;
      clearInterval(timer);
      timer = setInterval(beat, period);
    }
  };
  timer = setInterval(beat, period);
  options.log(`agent ${options.id}: ${slots} slot(s)${gpus.length ? ` (GPUs ${gpus.join(',')})` : ''}, coordinator ${endpoint} (CURVE)`);
  return {
    agent: a,
    async close() {
      a.drain();
      const deadline = Date.now() + (options.stopGraceSeconds ?? 60) * 1000;
      while (a.running().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      a.killAll('SIGKILL');
      clearInterval(timer);
      // Let the exits reach the coordinator.
      await new Promise((r) => setTimeout(r, 300));
      connection.close();
    },
  };
}
