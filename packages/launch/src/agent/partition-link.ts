/**
 * `orquesta chaos partition`: takes down the network interface that holds this node's advertised
 * address for `seconds`, then brings it back (needs CAP_NET_ADMIN; meant for test clusters and
 * network-namespace hosts). The restore runs in a detached shell so it happens even if the agent is
 * stuck or killed meanwhile.
 */
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';

export function partitionLink(host: string, seconds: number, log: (line: string) => void): void {
  const name = Object.entries(networkInterfaces()).find(([, list]) => (list ?? []).some((i) => i.address === host))?.[0];
  if (!name || !/^[\w.-]+$/.test(name)) {
    log(`chaos partition: no interface holds ${host}; nothing done`);
    return;
  }
  const secs = Math.max(1, Math.min(3600, Math.round(seconds)));
  const child = spawn('sh', ['-c', `ip link set dev ${name} down && sleep ${secs}; ip link set dev ${name} up`], { detached: true, stdio: 'ignore' });
  child.on('error', (error) => log(`chaos partition: ${error.message}`));
  child.unref();
  log(`chaos partition: ${name} down for ${secs} s`);
}
