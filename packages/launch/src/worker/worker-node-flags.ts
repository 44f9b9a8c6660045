/**
 * The node flags a launcher puts before a worker's script, checked against the node binary that runs it
 * (this process's own, `process.execPath`): a flag node does not know stops it from starting ("bad
 * option", exit 9), so recommended flags a newer or older V8 lacks are left out. Flags the user set in
 * ORQUESTA_RANK_NODE_FLAGS are passed as given.
 */
import { execFileSync } from 'node:child_process';
import { ENV, rankNodeFlags } from '@orquesta/protocol';

let v8Flags: ReadonlySet<string> | undefined;

/** Names (without dashes or `no-`) of the V8 flags this node binary lists in `--v8-options`; read once, empty when that fails. */
function v8FlagNames(): ReadonlySet<string> {
  if (v8Flags === undefined) {
    let listing = '';
    try {
      listing = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 24 });
    } catch {
      // no listing: keep none of the recommended flags
    }
    v8Flags = new Set([...listing.matchAll(/^\s+--([a-z0-9-]+)/gm)].map((m) => m[1]!));
  }
  return v8Flags;
}

/** `flags` without those whose V8 name (`--no-x` and `--x` are both x) is not in `known`. */
export function knownNodeFlags(flags: readonly string[], known: ReadonlySet<string>): string[] {
  return flags.filter((flag) => known.has(flag.replace(/^--(no-)?/, '').replace(/=.*$/, '')));
}

/** rankNodeFlags(env, sockets), keeping only the recommended flags this node binary accepts. */
export function workerNodeFlags(env: Readonly<Record<string, string | undefined>>, sockets: boolean): string[] {
  const flags = rankNodeFlags(env, sockets);
  return env[ENV.rankNodeFlags] !== undefined || flags.length === 0 ? flags : knownNodeFlags(flags, v8FlagNames());
}
