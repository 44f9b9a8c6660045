import { attachHierarchy } from './attach-hierarchy.js';
import { attachNativeRing } from './attach-native-ring.js';
import { attachSharedMemory } from './attach-shared-memory.js';
import type { ProcessGroup } from './process-group.js';
import { RingProcessGroup } from './ring-process-group.js';
import { hostsOf } from './placement.js';
import { resolveZmqOptions, type ZmqProcessGroupOptions } from './zmq-options.js';
import { ZmqTransport } from './zmq-transport.js';

/**
 * Joins a ZeroMQ process group: binds this rank's endpoint, connects to every peer and waits until all
 * of them answered. Every rank calls it with the same `worldSize`, `endpoints` (and CURVE public keys).
 * Unless `transport` is 'js', the ranks then open the native ring beside their endpoints (a 'transport'
 * event says whether they use it). With `sharedMemory: 'auto'` the ranks then check whether they all run on this host and if so switch
 * their all-reduces to shared memory (a 'shared-memory' event tells which way it went). Ranks on several
 * hosts (by the addresses of their tcp endpoints) set up the hierarchical all-reduce when the placement
 * allows it (`algorithm`; an 'algorithm' event tells which way it went).
 *
 * ```ts
 * const group = await createZmqProcessGroup({ rank, worldSize: 2, endpoints: ['tcp://127.0.0.1:5550', 'tcp://127.0.0.1:5551'], timeoutMs: 30_000 });
 * await group.allReduce(gradients, 'mean');
 * await group.close();
 * ```
 * @throws {CollectiveArgumentError} invalid options; this rank's endpoint cannot be bound; `transport` 'native' or
 *   `algorithm` 'hierarchical' was required and some rank cannot use it (field and reason named).
 * @throws {CollectiveTimeoutError} some peers did not answer within timeoutMs (`waitingFor` names them;
 *   with CURVE, a peer whose keys do not match never answers).
 * @throws {CollectiveMismatchError} a peer runs with another world size.
 */
export async function createZmqProcessGroup(options: ZmqProcessGroupOptions): Promise<ProcessGroup> {
  const config = resolveZmqOptions(options);
  const transport = await ZmqTransport.open(config);
  const group = new RingProcessGroup(transport, config);
  try {
    await group.connect();
    if (config.worldSize > 1 && config.transport !== 'js') {
      const ring = { members: Array.from({ length: config.worldSize }, (_, r) => r), position: config.rank };
      const native = await attachNativeRing(group, config, ring, {
        suffix: 'ring',
        required: config.transport === 'native',
        onEvent: config.onEvent,
        scope: 'group',
      });
      if (native !== undefined) group.useNativeRing(native);
    } else if (config.worldSize > 1) config.onEvent?.({ type: 'transport', transport: 'js', scope: 'group', detail: 'ring: TypeScript ring (transport js)' });
    const oneHost = hostsOf(config.endpoints).length === 1;
    if (config.sharedMemory === 'auto' && config.worldSize > 1 && oneHost)
      await attachSharedMemory(group, config.sharedMemoryDir, config.sharedMemoryLimitBytes, config.onEvent);
    if (!oneHost) await attachHierarchy(group, config, config.onEvent);
  } catch (error) {
    await group.close();
    throw error;
  }
  return group;
}
