/**
 * An agent's link to the coordinator: a ZeroMQ DEALER whose routing id is the agent id. ZeroMQ
 * reconnects by itself and queues messages while the coordinator is away (up to the high-water mark).
 */
import { curveKeyPair, Dealer } from 'zeromq';
import { encodeControlMessage, type AgentMessage } from '@orquesta/protocol';
import type { AgentConnection } from '../agent/agent-connection.js';
import { SerialSender } from './serial-sender.js';

export class ZmqAgentConnection implements AgentConnection {
  private readonly dealer: Dealer;
  private readonly sender: SerialSender;
  private closed = false;

  /** @param serverKey the coordinator's CURVE public key: the connection is encrypted with a fresh client key pair. */
  constructor(agentId: string, endpoint: string, onFrame: (frame: Uint8Array) => void, log: (line: string) => void = () => {}, serverKey?: string) {
    const own = serverKey ? curveKeyPair() : undefined;
    const dealer = new Dealer({ routingId: agentId, linger: 0, reconnectInterval: 200, reconnectMaxInterval: 2000, sendHighWaterMark: 100_000, ...(serverKey && own ? { curveServerKey: serverKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey } : {}) });
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
