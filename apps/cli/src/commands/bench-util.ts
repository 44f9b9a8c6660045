/** Helpers shared by the `orquesta bench` commands. */
import { createServer, type AddressInfo } from 'node:net';

export function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `--rank-env KEY=VALUE` flags as an environment object. @throws {Error} on a malformed pair. */
export function parseRankEnv(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((kv) => {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`--rank-env: expected KEY=VALUE, got ${JSON.stringify(kv)}`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
}
