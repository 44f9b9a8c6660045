/**
 * An agent's link to the coordinator: a ZeroMQ DEALER whose routing id is the agent id. ZeroMQ
 * reconnects by itself and queues messages while the coordinator is away (up to the high-water mark).
 */
import { curveKeyPair, Dealer } from 'zeromq';
import type { KeyPair } from '@orquesta/curve';
import { encodeControlMessage, type AgentMessage } from '@orquesta/protocol';
import type { AgentConnection } from './agent-connection.js';
import { SerialSender } from './serial-sender.js';

export interface AgentConnectionOptions {
  /** Routing id: the agent id (a Slurm task's own id). */
  readonly id: string;
  /** The coordinator's control endpoint, tcp://HOST:PORT. */
  readonly endpoint: string;
  readonly onFrame: (frame: Uint8Array) => void;
  readonly log?: (line: string) => void;
  /** The coordinator's CURVE public key: the connection is encrypted. None: plain TCP. */
  readonly serverKey?: string;
  /**
   * This side's long-term CURVE key pair, which a coordinator with an agent key list checks.
   * Defaults to a fresh pair (accepted only by a coordinator without a list).
   */
  readonly clientKeys?: KeyPair;
}

export class ZmqAgentConnection implements AgentConnection {
  private readonly dealer: Dealer;
  private readonly sender: SerialSender;
  private closed = false;

  constructor(options: AgentConnectionOptions) {
    const { id, endpoint, onFrame, serverKey } = options;
    const log = options.log ?? (() => {});
    const own = serverKey ? (options.clientKeys ?? curveKeyPair()) : undefined;
    const dealer = new Dealer({
      routingId: id,
      linger: 0,
      reconnectInterval: 200,
      reconnectMaxInterval: 2000,
      sendHighWaterMark: 100_000,
      ...(serverKey && own ? { curveServerKey: serverKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey } : {}),
    });
    dealer.connect(endpoint);
    this.dealer = dealer;
    this.sender = new SerialSender(
      (frames) => dealer.send(frames),
      (error) => log(`control send failed: ${(error as Error).message}`),
    );
    void (async () => {
      try {
        for await (const frames of dealer) {
          const [frame] = frames;
          if (frame === undefined || frames.length !== 1) {
            log(`dropped a control message of ${frames.length} frames`);
            continue;
          }
          onFrame(frame);
        }
      } catch (error) {
        if (!this.closed) log(`control socket stopped: ${(error as Error).message}`);
      }
    })();
  }

  send(message: AgentMessage): void {
    if (this.closed) return;
    this.sender.push([encodeControlMessage(message)]);
  }

  close(): void {
    this.closed = true;
    this.dealer.close();
  }
}
