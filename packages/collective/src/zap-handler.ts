import { Reply, type Context } from 'zeromq';
import type { GroupEventListener } from './group-events.js';

/** The in-process endpoint where libzmq asks who may connect (ZAP, ZeroMQ RFC 27). */
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/**
 * Admits CURVE clients whose long-term public key is one of the group's, and refuses everyone else.
 * Without it, libzmq's CURVE server would accept any client that knows the server's public key.
 *
 * 1. Bind a Reply socket at inproc://zeromq.zap.01 in the group's own context (one handler per context).
 * 2. For each request [version, request id, domain, address, identity, mechanism, client key], answer
 *    200 when the mechanism is CURVE and the key is allowed, else 400 (reported as 'auth-denied').
 */
export class ZapHandler {
  private closed = false;

  private constructor(
    private readonly socket: Reply,
    private readonly allowed: readonly Buffer[],
    private readonly onEvent: GroupEventListener | undefined,
  ) {}

  static async start(context: Context, allowed: readonly Buffer[], onEvent?: GroupEventListener): Promise<ZapHandler> {
    const socket = new Reply({ context, linger: 0 });
    await socket.bind(ZAP_ENDPOINT);
    const handler = new ZapHandler(socket, allowed, onEvent);
    void handler.serve();
    return handler;
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }

  private async serve(): Promise<void> {
    while (!this.closed) {
      let request: Buffer[];
      try {
        request = await this.socket.receive();
      } catch {
        return; // closed
      }
      const [version, requestId, , address, , mechanism, key] = request;
      const ok = version?.toString() === '1.0' && mechanism?.toString() === 'CURVE' && key !== undefined && this.allowed.some((k) => k.equals(key));
      if (!ok) this.onEvent?.({ type: 'auth-denied', address: address?.toString() ?? '' });
      try {
        await this.socket.send(['1.0', requestId ?? '', ok ? '200' : '400', ok ? 'OK' : 'public key is not one of the group', '', '']);
      } catch {
        return;
      }
    }
  }
}
