/**
 * The coordinator's control socket: a ZeroMQ ROUTER that agents' DEALERs connect to (their routing id
 * is the agent id). Frames go to `onFrame`; sends to an agent that is not connected are dropped.
 */
import { Context, Router } from 'zeromq';
import { ZapHandler } from '@orquesta/curve';
import { encodeControlMessage, type CoordinatorMessage } from '@orquesta/protocol';
import type { ControlChannel } from '../daemon/control-channel.js';
import { SerialSender } from '@orquesta/launch';

export class ZmqControlServer implements ControlChannel {
  private readonly sender: SerialSender;
  private closed = false;

  private constructor(
    private readonly router: Router,
    private readonly zap: ZapHandler | undefined,
    /** The bound endpoint (with the real port when bound to port 0). */
    readonly endpoint: string,
    log: (line: string) => void,
  ) {
    this.sender = new SerialSender(
      (frames) => this.router.send(frames),
      (error) => log(`control send failed: ${(error as Error).message}`),
    );
  }

  /**
   * @param endpoint e.g. `tcp://0.0.0.0:7071` (`:0` picks a free port).
   * @param security.curveSecretKey every connection is CURVE-encrypted (clients must know the public key).
   * @param security.allowClient with a secret key: admits only clients whose long-term public key it
   *   accepts (ZAP); refused handshakes are logged with the peer's address.
   * @throws {Error} the endpoint cannot be bound (address in use, bad address).
   */
  static async bind(
    endpoint: string,
    onFrame: (from: string, frame: Uint8Array) => void,
    log: (line: string) => void = () => {},
    security: { readonly curveSecretKey?: string; readonly allowClient?: (publicKey: Buffer) => boolean } = {},
  ): Promise<ZmqControlServer> {
    const { curveSecretKey, allowClient } = security;
    // A context of its own: the ZAP handler serves every CURVE socket of its context.
    const context = new Context();
    const zap =
      curveSecretKey && allowClient
        ? await ZapHandler.start(context, allowClient, (address) =>
            log(`refused a control connection from ${address}: its CURVE public key is not in the agent key list`),
          )
        : undefined;
    // handover: an agent that reconnects under its id replaces its old connection.
    const router = new Router({
      context,
      handover: true,
      linger: 0,
      receiveHighWaterMark: 100_000,
      sendHighWaterMark: 100_000,
      ...(curveSecretKey ? { curveServer: true, curveSecretKey, zapDomain: 'orquesta' } : {}),
    });
    const bindTo = endpoint.replace(/:0$/, ':*');
    try {
      await router.bind(bindTo);
    } catch (error) {
      zap?.close();
      router.close();
      throw error;
    }
    const server = new ZmqControlServer(router, zap, router.lastEndpoint ?? endpoint, log);
    void (async () => {
      try {
        for await (const frames of router) {
          const [identity, frame] = frames;
          if (identity === undefined || frame === undefined || frames.length !== 2) {
            log(`dropped a control message of ${frames.length} frame(s) (expected routing id and one JSON frame)`);
            continue;
          }
          onFrame(identity.toString('utf8'), frame);
        }
      } catch (error) {
        if (!server.closed) log(`control socket stopped: ${(error as Error).message}`);
      }
    })();
    return server;
  }

  send(agent: string, message: CoordinatorMessage): void {
    if (this.closed) return;
    this.sender.push([Buffer.from(agent, 'utf8'), encodeControlMessage(message)]);
  }

  close(): void {
    this.closed = true;
    this.router.close();
    this.zap?.close();
  }
}
