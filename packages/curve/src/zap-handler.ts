import { Reply, type Context } from 'zeromq';

/** The in-process endpoint where libzmq asks who may connect (ZAP, ZeroMQ RFC 27). */
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

/**
 * Admits CURVE clients whose long-term public key `isAllowed` accepts, and refuses everyone else.
 * Without it, libzmq's CURVE server would accept any client that knows the server's public key.
 * The data plane admits the group's keys; the coordinator's control socket admits listed agents.
 *
 * 1. Bind a Reply socket at inproc://zeromq.zap.01 in the given context: it serves every CURVE server
 *    socket of that context (one handler per context, so give the sockets a context of their own).
 * 2. For each request [version, request id, domain, address, identity, mechanism, client key], answer
 *    200 when the mechanism is CURVE and the key is allowed, else 400 (and tell `onDenied` the address).
 */
export class ZapHandler {
  private closed = false;

  private constructor(
    private readonly socket: Reply,
    private readonly isAllowed: (publicKey: Buffer) => boolean,
    private readonly onDenied: ((address: string) => void) | undefined,
  ) {}

  /**
   * @param isAllowed gets the client's 32-byte public key.
   * @throws {Error} a handler is already bound in `context`.
   */
  static async start(context: Context, isAllowed: (publicKey: Buffer) => boolean, onDenied?: (address: string) => void): Promise<ZapHandler> {
    const socket = new Reply({ context, linger: 0 });
    await socket.bind(ZAP_ENDPOINT);
    const handler = new ZapHandler(socket, isAllowed, onDenied);
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
      const ok = version?.toString() === '1.0' && mechanism?.toString() === 'CURVE' && key !== undefined && this.isAllowed(key);
      if (!ok) this.onDenied?.(address?.toString() ?? '');
      try {
        await this.socket.send(['1.0', requestId ?? '', ok ? '200' : '400', ok ? 'OK' : 'public key is not allowed', '', '']);
      } catch {
        return;
      }
    }
  }
}
