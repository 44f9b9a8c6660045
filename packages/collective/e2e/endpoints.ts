import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** tcp-hosts: tcp on two loopback addresses, 127.0.0.1 for the first half of the ranks (rounded up) and 127.0.0.2 for the rest: two "hosts". */
export type Protocol = 'tcp' | 'ipc' | 'tcp-hosts';
export const PROTOCOLS = ['tcp', 'ipc'] as const;

/** The host (0 or 1) of each rank of `n` over tcp-hosts. */
export function twoHosts(n: number): number[] {
  return Array.from({ length: n }, (_, r) => (r < Math.ceil(n / 2) ? 0 : 1));
}

/**
 * How the multi-process tests connect ranks: over each protocol, with each ring (the native one
 * required: CI builds it), and with all-reduces through shared memory.
 */
export interface Variant {
  readonly name: string;
  readonly protocol: Protocol;
  readonly sharedMemory: 'auto' | 'off';
  readonly ring: 'auto' | 'native' | 'js';
}
export const VARIANTS: readonly Variant[] = [
  { name: 'tcp, native ring', protocol: 'tcp', sharedMemory: 'off', ring: 'native' },
  { name: 'tcp, TypeScript ring', protocol: 'tcp', sharedMemory: 'off', ring: 'js' },
  { name: 'ipc, native ring', protocol: 'ipc', sharedMemory: 'off', ring: 'native' },
  { name: 'tcp, all-reduces through shared memory', protocol: 'tcp', sharedMemory: 'auto', ring: 'auto' },
  { name: 'two hosts, hierarchical where the placement allows', protocol: 'tcp-hosts', sharedMemory: 'auto', ring: 'native' },
];

/**
 * `n` distinct TCP ports free on 127.0.0.1, below Linux's ephemeral range (32768-60999) as agents'
 * data-plane ports are: a port from that range, released while a group forms again, can be taken by
 * another process's outgoing connection meanwhile. Held open together while asked, so they differ;
 * released before returning.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    while (ports.length < n) {
      const server = createServer();
      const listening = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(20_000 + Math.floor(Math.random() * 12_000), '127.0.0.1', () => resolve(true));
      });
      if (!listening) continue;
      servers.push(server);
      ports.push((server.address() as AddressInfo).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** One endpoint per rank over `protocol`; ipc endpoints live in a fresh temporary directory. */
export async function endpointsFor(protocol: Protocol, n: number): Promise<{ endpoints: string[]; cleanup: () => Promise<void> }> {
  if (protocol === 'tcp') return { endpoints: (await freePorts(n)).map((p) => `tcp://127.0.0.1:${p}`), cleanup: () => Promise.resolve() };
  if (protocol === 'tcp-hosts') {
    const hosts = twoHosts(n);
    return { endpoints: (await freePorts(n)).map((p, r) => `tcp://127.0.0.${1 + (hosts[r] as number)}:${p}`), cleanup: () => Promise.resolve() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'orquesta-collective-'));
  return { endpoints: Array.from({ length: n }, (_, r) => `ipc://${dir}/rank-${r}`), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
