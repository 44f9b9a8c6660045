import { describe, expect, it } from 'vitest';
import { createCurveKeys, curveOptionsFor } from '@orquesta/curve';
import { CollectiveArgumentError } from './errors.js';
import { resolveZmqOptions, type ZmqProcessGroupOptions } from './zmq-options.js';

const base: ZmqProcessGroupOptions = { rank: 1, worldSize: 2, endpoints: ['tcp://127.0.0.1:5000', 'ipc:///tmp/x/rank-1'] };

describe('resolveZmqOptions', () => {
  it('fills in defaults derived from the timeout', () => {
    expect(resolveZmqOptions(base)).toMatchObject({
      timeoutMs: 30_000,
      segmentBytes: 1 << 20,
      heartbeatIntervalMs: 5000,
      heartbeatTimeoutMs: 10_000,
      peerLossGraceMs: 250,
      lingerMs: 1000,
      curve: undefined,
    });
    expect(resolveZmqOptions({ ...base, timeoutMs: 1500 })).toMatchObject({ heartbeatIntervalMs: 375, heartbeatTimeoutMs: 750 });
  });

  it.each([
    [{ rank: 2 }, 'rank: expected an integer in 0..1, got 2'],
    [{ worldSize: 0 }, 'worldSize: expected a positive integer, got 0'],
    [{ endpoints: ['tcp://127.0.0.1:5000'] }, 'endpoints: expected 2 endpoints (one per rank), got ["tcp://127.0.0.1:5000"]'],
    [{ endpoints: ['tcp://127.0.0.1:5000', 'udp://x:1'] }, 'endpoints: expected tcp://HOST:PORT or ipc:///path, got "udp://x:1"'],
    [{ endpoints: ['tcp://127.0.0.1:5000', 'tcp://127.0.0.1:5000'] }, 'endpoints: every rank needs its own endpoint'],
    [{ timeoutMs: 0 }, 'timeoutMs: expected 10..86400000 ms, got 0'],
    [{ segmentBytes: 100 }, 'segmentBytes: expected an integer in 4096..268435456, got 100'],
    [{ curve: { publicKeys: ['x'], secretKey: 'y' } }, 'curve.publicKeys: expected 2 keys, got 1'],
  ] as const)('rejects %j', (patch, message) => {
    expect(() => resolveZmqOptions({ ...base, ...patch } as ZmqProcessGroupOptions)).toThrow(CollectiveArgumentError);
    expect(() => resolveZmqOptions({ ...base, ...patch } as ZmqProcessGroupOptions)).toThrow(message);
  });

  it('decodes the CURVE keys it is given', () => {
    const keys = createCurveKeys(2);
    const config = resolveZmqOptions({ ...base, curve: curveOptionsFor(keys, 1) });
    expect(config.curve?.publicKeys.map((k) => k.length)).toEqual([32, 32]);
    expect(config.curve?.publicKey).toBe(keys.publicKeys[1]);
    expect(() => resolveZmqOptions({ ...base, curve: { ...curveOptionsFor(keys, 1), secretKey: 'short' } })).toThrow(
      'curve.secretKey: expected a 40-character Z85 key',
    );
  });
});
