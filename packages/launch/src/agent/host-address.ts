/** This machine's first non-internal IPv4 address (what other hosts reach it at), else 127.0.0.1. */
import { networkInterfaces } from 'node:os';

export function firstIPv4(): string {
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  return '127.0.0.1';
}
