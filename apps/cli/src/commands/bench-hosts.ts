/**
 * Where `orquesta bench scaling` runs its ranks: on this host (ipc endpoints), or one emulated host
 * per rank (`--hosts netns`: a Linux network namespace each, joined through a bridge, each host's
 * egress limited to `--link-rate` by a token bucket; infra/netns/hosts-up.sh, needs root and iproute2).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface RankHosts {
  /** Data-plane endpoint of each rank. */
  readonly endpoints: readonly string[];
  /** The command line that runs `argv` (node and its arguments) on rank `rank`'s host. */
  command(rank: number, argv: readonly string[]): { readonly file: string; readonly args: readonly string[] };
  /** Removes what was set up. Idempotent. */
  down(): void;
}

const NETNS = fileURLToPath(new URL('../../../../infra/netns/', import.meta.url));

/** Ranks on this host, over ipc sockets in `dir`. */
export function localHosts(worldSize: number, dir: string): RankHosts {
  return {
    endpoints: Array.from({ length: worldSize }, (_, r) => `ipc://${dir}/rank-${r}`),
    command: (_rank, argv) => ({ file: argv[0]!, args: argv.slice(1) }),
    down: () => {},
  };
}

/**
 * One network namespace per `perHost` ranks (ranks h*perHost .. h*perHost+perHost-1 on host h) at
 * 10.N.M.(h+1), over TCP; `rate` is a tc rate (e.g. 1gbit).
 * @throws {Error} not root, no iproute2, or the namespaces cannot be made (with the script's message).
 */
export function netnsHosts(worldSize: number, rate: string, perHost = 1): RankHosts {
  const hostOf = (rank: number): number => Math.floor(rank / perHost);
  if (process.getuid?.() !== 0) throw new Error('--hosts netns needs root (network namespaces)');
  const id = process.pid % 100000;
  const prefix = `ob${id}`;
  const subnet = `10.${120 + (id % 60)}.${id % 250}`;
  try {
    execFileSync('bash', [`${NETNS}hosts-up.sh`, '--prefix', prefix, '--hosts', String(Math.ceil(worldSize / perHost)), '--subnet', subnet, '--rate', rate], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    throw new Error(
      `cannot set up ${worldSize} network namespaces: ${((error as { stderr?: Buffer }).stderr ?? '').toString().trim() || (error as Error).message}`,
      { cause: error },
    );
  }
  let up = true;
  return {
    endpoints: Array.from({ length: worldSize }, (_, r) => `tcp://${subnet}.${hostOf(r) + 1}:${29500 + (r % perHost)}`),
    command: (rank, argv) => ({ file: 'ip', args: ['netns', 'exec', `${prefix}h${hostOf(rank) + 1}`, ...argv] }),
    down: () => {
      if (!up) return;
      up = false;
      execFileSync('bash', [`${NETNS}hosts-down.sh`, '--prefix', prefix], { stdio: 'ignore' });
    },
  };
}
