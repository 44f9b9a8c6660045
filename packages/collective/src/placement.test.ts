import { describe, expect, it } from 'vitest';
import { reachable } from './attach-native-ring.js';
import { hierarchyFor, hostsOf, viewOf } from './placement.js';

describe('hostsOf', () => {
  it('groups ranks by the address of their tcp endpoint, hosts in order of their lowest rank', () => {
    expect(hostsOf(['tcp://10.0.0.2:5000', 'tcp://10.0.0.1:5000', 'tcp://10.0.0.2:5001', 'tcp://10.0.0.1:5001'])).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });

  it('puts every ipc endpoint on this host', () => {
    expect(hostsOf(['ipc:///tmp/a', 'ipc:///tmp/b'])).toEqual([[0, 1]]);
  });
});

describe('hierarchyFor', () => {
  const hosts = [
    [0, 1, 2],
    [3, 4, 5],
  ];

  it('gives each rank its host ring and the cross-host ring of its local position', () => {
    expect(hierarchyFor(hosts, 4)).toEqual({
      hierarchy: { local: { members: [3, 4, 5], position: 1 }, cross: { members: [1, 4], position: 1 }, hosts: 2 },
    });
    expect(viewOf({ members: [3, 4, 5], position: 0 })).toEqual({ position: 0, size: 3, left: 5, right: 4 });
  });

  it('says why the placement allows no hierarchy', () => {
    expect(hierarchyFor([[0, 1, 2, 3]], 0)).toEqual({ reason: 'all 4 ranks run on one host' });
    expect(hierarchyFor([[0], [1]], 0)).toEqual({ reason: 'one rank per host on 2 hosts' });
    expect(hierarchyFor([[0, 1], [2]], 0)).toEqual({ reason: 'the hosts run different numbers of ranks (2, 1)' });
  });
});

describe('reachable', () => {
  const ring = 'tcp://10.0.0.2:41000 ipc:///tmp/orquesta-ring-1-ab';
  it("connects to the right neighbour's Unix socket on the same host, to its TCP port on another", () => {
    expect(reachable(['tcp://10.0.0.2:5000', 'tcp://10.0.0.2:5001'], 0, 1, ring)).toBe('ipc:///tmp/orquesta-ring-1-ab');
    expect(reachable(['tcp://10.0.0.1:5000', 'tcp://10.0.0.2:5000'], 0, 1, ring)).toBe('tcp://10.0.0.2:41000');
    expect(reachable(['ipc:///a', 'ipc:///b'], 0, 1, 'ipc:///b.ring')).toBe('ipc:///b.ring');
  });
});
