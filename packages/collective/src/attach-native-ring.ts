import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectiveArgumentError } from './errors.js';
import type { GroupEventListener } from './group-events.js';
import { NativeRing } from './native-ring.js';
import { loadNativeRing, NATIVE_RING_CODE, type NativeRingConfig } from './native-ring-addon.js';
import { hostOf, type RingMembers } from './placement.js';
import type { RingProcessGroup } from './ring-process-group.js';
import { decodeRingText, encodeRingText } from './ring-text.js';
import { WIRE_VERSION } from './wire.js';
import type { ZmqGroupConfig } from './zmq-options.js';

/**
 * Opens this rank's native ring among `ring.members` and makes sure every member could: collective
 * over the whole group (every rank calls it at the same point, also ranks outside the ring, which
 * pass `ring` undefined).
 *
 * 1. Load the addon and open the ring's sockets: the PULL socket binds beside this rank's endpoint
 *    (`tcp://HOST:*`, a free port on the same address, and a Unix socket in the temporary directory;
 *    `ipc://PATH.SUFFIX` for ipc groups). A rank that cannot says why.
 * 2. All-gather the bound endpoints (empty for a rank without a ring); connect to the right neighbour's:
 *    its Unix socket when it runs on this host (the same address, placement.ts), which costs a third
 *    less CPU per byte than TCP over loopback, else its TCP port.
 * 3. If every member has one: a hello goes once around the ring through the new sockets (a firewall
 *    or a CURVE key that does not match shows up here, within timeoutMs).
 * 4. All-gather the verdicts: the ring is used only if every member's hello came round.
 *
 * Resolves with the ring, or undefined (after an event saying why) when it is not used.
 * @throws {CollectiveArgumentError} `required` and the ring could not be used.
 * @throws the group's errors from the all-gathers.
 */
export async function attachNativeRing(
  group: RingProcessGroup,
  config: Pick<ZmqGroupConfig, 'rank' | 'endpoints' | 'timeoutMs' | 'curve'>,
  ring: RingMembers | undefined,
  options: { readonly suffix: string; readonly required: boolean; readonly onEvent: GroupEventListener | undefined; readonly scope: 'group' | 'cross-host' },
): Promise<NativeRing | undefined> {
  let native: NativeRing | undefined;
  let problem: string | undefined;
  const bound: string[] = [];
  if (ring !== undefined) {
    const loaded = loadNativeRing();
    if ('reason' in loaded) problem = loaded.reason;
    else {
      try {
        const own = config.endpoints[config.rank] as string;
        native = NativeRing.open(loaded.addon, nativeConfig(config, ring), bindBeside(own, options.suffix));
        if (own.startsWith('tcp://')) bound.push(native.bind(`ipc://${join(tmpdir(), `orquesta-ring-${process.pid}-${randomBytes(6).toString('hex')}`)}`));
      } catch (error) {
        problem = (error as Error).message;
      }
    }
  }
  try {
    const endpoints = (await group.allGather(encodeRingText(native === undefined ? '' : [native.endpoint, ...bound].join(' ')))).map(decodeRingText);
    const missing = ring === undefined ? [] : ring.members.filter((m) => endpoints[m] === '');
    if (native !== undefined && ring !== undefined && missing.length === 0) {
      try {
        const right = ring.members[(ring.position + 1) % ring.members.length] as number;
        native.connect(reachable(config.endpoints, config.rank, right, endpoints[right] as string));
        const hello = await native.probe(config.timeoutMs);
        if (hello.code !== NATIVE_RING_CODE.ok) problem = hello.detail;
      } catch (error) {
        problem = (error as Error).message;
      }
    } else if (ring !== undefined) problem ??= `rank(s) ${missing.join(', ')} have no native ring`;
    const verdicts = await group.allGather(Float32Array.of(ring === undefined || (native !== undefined && problem === undefined) ? 1 : 0));
    const refusing = verdicts.flatMap((v, rank) => (v[0] === 1 ? [] : [rank]));
    if (refusing.length === 0 && native !== undefined) {
      const listening = [native.endpoint, ...bound].join(' and ');
      options.onEvent?.({
        type: 'transport',
        scope: options.scope,
        transport: 'native',
        detail: `${label(options.scope)}: native ring (libzmq ${loadedVersion()}), listening on ${listening}`,
      });
      return native;
    }
    const why = problem ?? `rank(s) ${refusing.join(', ')} could not use theirs`;
    await native?.close();
    if (options.required && ring !== undefined)
      throw new CollectiveArgumentError({ op: 'createZmqProcessGroup', seq: null, rank: config.rank }, 'transport', `native was required but ${why}`);
    if (ring !== undefined)
      options.onEvent?.({ type: 'transport', transport: 'js', scope: options.scope, detail: `${label(options.scope)}: TypeScript ring (${why})` });
    return undefined;
  } catch (error) {
    await native?.close();
    throw error;
  }
}

function nativeConfig(config: Pick<ZmqGroupConfig, 'rank' | 'curve'>, ring: RingMembers): NativeRingConfig {
  const n = ring.members.length;
  const left = ring.members[(ring.position + n - 1) % n] as number;
  const right = ring.members[(ring.position + 1) % n] as number;
  const { curve } = config;
  return {
    self: config.rank,
    left,
    right,
    position: ring.position,
    size: n,
    wireVersion: WIRE_VERSION,
    ...(curve === undefined
      ? {}
      : {
          curve: {
            publicKey: curve.publicKey,
            secretKey: curve.secretKey,
            serverKey: curve.serverKeys[right] as string,
            clientKey: curve.serverKeys[left] as string,
          },
        }),
  };
}

/**
 * Which of `right`'s ring endpoints (space-separated: TCP first, then its Unix socket) rank `self`
 * connects to: the Unix socket when both run on one host (their group endpoints name the same address).
 */
export function reachable(groupEndpoints: readonly string[], self: number, right: number, ringEndpoints: string): string {
  const [tcp = '', ipc] = ringEndpoints.split(' ');
  const sameHost = hostOf(groupEndpoints[self] as string) === hostOf(groupEndpoints[right] as string);
  return ipc !== undefined && sameHost ? ipc : tcp;
}

/** Where a rank listening at `endpoint` binds its ring: the same address, any port (tcp), or a path beside it (ipc). */
export function bindBeside(endpoint: string, suffix: string): string {
  if (endpoint.startsWith('ipc://')) return `${endpoint}.${suffix}`;
  return endpoint.replace(/:\d+$/, ':*');
}

const label = (scope: 'group' | 'cross-host'): string => (scope === 'group' ? 'ring' : 'cross-host ring');

function loadedVersion(): string {
  const loaded = loadNativeRing();
  return 'addon' in loaded ? loaded.addon.library().zmq : '?';
}
