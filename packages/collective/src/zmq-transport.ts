import { Context, Pull, Push, type Event, type Observer } from 'zeromq';
import { ZapHandler } from '@orquesta/curve';
import { CollectiveArgumentError } from './errors.js';
import { SendQueue } from './send-queue.js';
import { removeSocketFile } from './socket-file.js';
import type { Transport, TransportListener } from './transport.js';
import type { ZmqGroupConfig } from './zmq-options.js';

/** Largest frame a rank accepts (segments are at most 256 MiB). */
const MAX_FRAME_BYTES = 1 << 30;
/** How long a closed socket's observer may wait for its monitor's stop before it is closed anyway, in ms. */
const OBSERVER_GRACE_MS = 10_000;

/**
 * ZeroMQ sockets of one rank: a PULL socket bound at its own endpoint receives from everyone; one PUSH
 * socket per peer sends to it (data only ever goes to the right neighbour; control messages to all).
 * Each group has its own ZeroMQ context, so several groups (and their CURVE handlers) can share a process.
 *
 * A peer counts as lost when its PUSH connection disconnects after a successful handshake: a killed
 * process closes its sockets at once, and ZMTP heartbeats catch frozen processes and dead links.
 */
export class ZmqTransport implements Transport {
  readonly rank: number;
  readonly worldSize: number;
  private listener: TransportListener | undefined;
  private closed = false;

  private constructor(
    private readonly config: ZmqGroupConfig,
    private readonly pull: Pull,
    private readonly pushes: ReadonlyMap<number, Push>,
    private readonly queues: ReadonlyMap<number, SendQueue>,
    private readonly zap: ZapHandler | undefined,
    private readonly observers: readonly Observer[],
  ) {
    this.rank = config.rank;
    this.worldSize = config.worldSize;
  }

  /** @throws {CollectiveArgumentError} when this rank's endpoint cannot be bound. */
  static async open(config: ZmqGroupConfig): Promise<ZmqTransport> {
    const context = new Context();
    const { curve, onEvent } = config;
    const zap =
      curve === undefined
        ? undefined
        : await ZapHandler.start(
            context,
            (key) => curve.publicKeys.some((k) => k.equals(key)),
            (address) => onEvent?.({ type: 'auth-denied', address }),
          );
    const security = curve === undefined ? {} : { curveServer: true, curveSecretKey: curve.secretKey, curvePublicKey: curve.publicKey, zapDomain: 'orquesta' };
    const handshakeFailed = (event: Event): void => {
      if (event.type === 'handshake:error:auth' || event.type === 'handshake:error:protocol' || event.type === 'handshake:error:other') {
        onEvent?.({ type: 'handshake-failed', address: event.address, error: event.error.message });
      }
    };
    const endpoint = config.endpoints[config.rank] as string;
    let pull: Pull;
    let observers: Observer[];
    // A group formed again on the endpoints of one just left may find its port still held: the old
    // sockets are released by ZeroMQ's I/O thread after close() returned. Within bindRetryMs, a fresh
    // socket tries again (a socket whose bind failed may refuse the next one).
    for (const deadline = performance.now() + config.bindRetryMs; ;) {
      pull = new Pull({ context, linger: 0, maxMessageSize: MAX_FRAME_BYTES, ...security });
      observers = [watch(pull.events, handshakeFailed)];
      try {
        await pull.bind(endpoint);
        break;
      } catch (error) {
        pull.close(); // its observer ends itself (see close())
        if (performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        zap?.close();
        const message = error instanceof Error ? error.message : String(error);
        throw new CollectiveArgumentError(
          { op: 'createZmqProcessGroup', seq: null, rank: config.rank },
          'endpoints',
          `cannot listen on ${endpoint}: ${message}`,
          { cause: error },
        );
      }
    }

    const pushes = new Map<number, Push>();
    const queues = new Map<number, SendQueue>();
    const onLost = { current: (_peer: number, _reason: string): void => undefined };
    for (let peer = 0; peer < config.worldSize; peer++) {
      if (peer === config.rank) continue;
      const client =
        curve === undefined ? {} : { curveServerKey: curve.serverKeys[peer] as string, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey };
      const push = new Push({
        context,
        linger: config.lingerMs,
        heartbeatInterval: config.heartbeatIntervalMs,
        heartbeatTimeout: config.heartbeatTimeoutMs,
        ...client,
      });
      let established = false;
      const watcher = watch(push.events, (event) => {
        if (event.type === 'handshake') established = true;
        else if (event.type === 'disconnect' && established)
          onLost.current(peer, `lost its connection (exited, or no heartbeat for ${config.heartbeatTimeoutMs} ms)`);
        else handshakeFailed(event);
      });
      observers.push(watcher);
      push.connect(config.endpoints[peer] as string);
      pushes.set(peer, push);
      queues.set(peer, new SendQueue(push, (error) => onLost.current(peer, `send failed: ${error instanceof Error ? error.message : String(error)}`)));
    }
    const transport = new ZmqTransport(config, pull, pushes, queues, zap, observers);
    onLost.current = (peer, reason) => transport.lost(peer, reason);
    return transport;
  }

  start(listener: TransportListener): void {
    this.listener = listener;
    void this.receiveLoop(listener);
  }

  send(peer: number, frames: readonly Buffer[]): void {
    if (!this.closed) this.queues.get(peer)?.push([...frames]);
  }

  async close(abandon: ReadonlySet<number> = new Set()): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const linger = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.lingerMs)));
    await Promise.race([Promise.all([...this.queues].filter(([peer]) => !abandon.has(peer)).map(([, q]) => q.drained())), linger]);
    clearTimeout(timer);
    for (const [peer, push] of this.pushes) {
      push.linger = abandon.has(peer) ? 0 : this.config.lingerMs;
      push.close();
    }
    this.pull.close();
    removeSocketFile(this.config.endpoints[this.rank] as string);
    this.zap?.close();
    // The observers end themselves once their socket has stopped (ZeroMQ's last monitor event). Closing
    // one earlier leaves its socket half-terminated in libzmq 4.3: the listening port and the sessions
    // stay open, and a group formed again on this endpoint finds it in use (EADDRINUSE) until the
    // process exits. A monitor that never reports the stop is closed after OBSERVER_GRACE_MS.
    const late = setTimeout(() => {
      for (const observer of this.observers) if (!observer.closed) observer.close();
    }, OBSERVER_GRACE_MS);
    late.unref();
  }

  private lost(peer: number, reason: string): void {
    if (!this.closed) this.listener?.peerLost(peer, reason);
  }

  private async receiveLoop(listener: TransportListener): Promise<void> {
    for (;;) {
      let frames: Buffer[];
      try {
        frames = await this.pull.receive();
      } catch {
        return; // the socket was closed
      }
      listener.message(frames);
    }
  }
}

/**
 * Reads a socket's monitor events into `handle` until the observer closes: by itself, after its socket
 * has closed and the monitor stopped. (Events after the transport closed find it closed and are ignored.)
 */
function watch(observer: Observer, handle: (event: Event) => void): Observer {
  void (async () => {
    while (!observer.closed) {
      let event: Event | undefined;
      try {
        event = await observer.receive();
      } catch {
        return;
      }
      if (event === undefined) return;
      handle(event);
    }
  })();
  return observer;
}
