/**
 * On the API's TLS port, a client speaking plain HTTP gets a clear answer instead of a reset: the first
 * byte of a TLS connection is a handshake record (22); anything else is answered with a 400 naming the
 * https:// URL to use, in the API's error shape, and closed. TLS connections go on to the server
 * untouched (the byte read is put back; Node's TLS socket takes buffered bytes first).
 */
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import { API_ERROR } from './api-errors.js';

const TLS_HANDSHAKE = 0x16;
/** A connection that sends nothing for this long is closed before the handshake, in ms. */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

export function refusePlainHttp(server: TlsServer): void {
  const tlsListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('error', () => socket.destroy());
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) return socket.destroy();
      socket.setTimeout(0);
      if (first[0] === TLS_HANDSHAKE) {
        socket.unshift(first);
        for (const listener of tlsListeners) listener.call(server, socket);
        return;
      }
      const { address, port } = socket.address() as { address: string; port: number };
      const host = address.includes(':') ? `[${address}]` : address;
      const body = JSON.stringify({
        error: {
          code: API_ERROR.tlsRequired,
          message: `this coordinator speaks HTTPS only: use https://${host}:${port} (plain HTTP would carry tokens in clear text)`,
        },
      });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        // Closed once written, whatever the client does: the server's close() waits for every connection.
        () => socket.destroy(),
      );
    });
  });
}
