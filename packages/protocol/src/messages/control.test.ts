import { describe, expect, it } from 'vitest';
import { CONTROL, ControlDecodeError, decodeControlMessage, encodeControlMessage, MAX_CONTROL_FRAME_BYTES, type ControlMessage } from './control.js';

const ok: ControlMessage[] = [
  { v: 1, type: 'hello', agent: 'node-a', host: '10.0.0.2', slots: 2, gpus: ['0', '1'], ports: [29500, 29599], running: [{ run: 't1.a0', rank: 0, pid: 42 }] },
  { v: 1, type: 'heartbeat', agent: 'node-a', running: [] },
  { v: 1, type: 'worker-report', run: 't1.a0', rank: 0, report: { v: 1, type: 'checkpoint', step: 10, path: 'runs/x/step-00000010' } },
  { v: 1, type: 'worker-log', run: 't1.a0', rank: 1, lines: ['hello'] },
  { v: 1, type: 'worker-exited', run: 't1.a0', rank: 1, code: null, signal: 'SIGKILL' },
  { v: 1, type: 'welcome', agent: 'node-a', heartbeatMs: 1000 },
  { v: 1, type: 'start-workers', run: 't1.a0', spec: '{}', workers: [{ rank: 0, env: { RANK: '0' } }] },
  { v: 1, type: 'stop-workers', run: 't1.a0', mode: 'checkpoint' },
  { v: 1, type: 'rendezvous', run: '3.1', rank: 1, worldSize: 2, endpoint: 'tcp://10.0.0.3:41000' },
  { v: 1, type: 'peers', run: '3.1', endpoints: ['tcp://10.0.0.2:41000', 'tcp://10.0.0.3:41000'] },
  { v: 1, type: 'chaos', action: 'stall-worker', run: '3.1', rank: 1, seconds: 20 },
  { v: 1, type: 'regroup-workers', run: '3.1', generation: 2, phase: 'join' },
  { v: 1, type: 'reregister', reason: 'unknown agent' },
  { v: 1, type: 'reject', reason: 'this coordinator runs no Slurm jobs' },
];

/** The optional fields senders add, each on a message of its own. */
const withOptionals: ControlMessage[] = [
  { v: 1, type: 'hello', agent: 'node-a', host: 'node-a.cluster', slots: 0, gpus: [], ports: [41000, 41000], running: [], token: 'agent-token' },
  { v: 1, type: 'rendezvous', run: '3.1', rank: 0, worldSize: 1, endpoint: 'tcp://node-b:41000', token: 'run-token' },
  { v: 1, type: 'peers', run: '3.1', endpoints: ['tcp://10.0.0.2:41000'], curve: { publicKeys: ['pk0'], secretKey: '' } },
  { v: 1, type: 'worker-exited', run: 't1.a0', rank: 0, code: 1, signal: null },
  { v: 1, type: 'worker-report', run: 't1.a0', rank: 0, report: { v: 1, type: 'failed', rank: -1, error: 'WorkerConfigError', message: '' } },
  { v: 1, type: 'stop-workers', run: 't1.a0', mode: 'kill', rank: 1 },
  { v: 1, type: 'regroup-workers', run: '3.1', generation: 2, phase: 'join', endpoints: ['tcp://10.0.0.2:41000', 'tcp://10.0.0.4:41000'] },
];

/** Bad frames, each with the exact error it must produce: the field by its path, what it must be, and what it was. */
const hello = { v: 1, type: 'hello', agent: 'a', host: 'h', slots: 1, gpus: [], ports: [29500, 29599], running: [] };
const bad: [string, unknown, string][] = [
  ['a negative slot count', { ...hello, slots: -1 }, 'hello.slots must be a non-negative integer, not -1'],
  ['a fractional rank', { ...hello, running: [{ run: 'r', rank: 1.5, pid: 7 }] }, 'hello.running[0].rank must be a non-negative integer, not 1.5'],
  ['an unsafe integer', { v: 1, type: 'welcome', agent: 'a', heartbeatMs: 2 ** 60 }, `welcome.heartbeatMs must be a non-negative integer, not ${2 ** 60}`],
  ['a GPU id that is not a string', { ...hello, gpus: [0] }, 'hello.gpus[0] must be a string, not 0'],
  ['port 0', { ...hello, ports: [0, 10] }, 'hello.ports[0] must be an integer from 1 to 65535, not 0'],
  ['a port range of three', { ...hello, ports: [1, 2, 3] }, 'hello.ports must be a [first, last] range of TCP ports, not [1,2,3]'],
  ['a port range backwards', { ...hello, ports: [9, 3] }, 'hello.ports must be a [first, last] range of TCP ports with first <= last, not [9,3]'],
  ['a token that is not a string', { ...hello, token: 7 }, 'hello.token must be a string, not 7'],
  ['a missing agent', { v: 1, type: 'heartbeat', running: [] }, 'heartbeat.agent must be a non-empty string, but is missing'],
  ['an empty agent', { v: 1, type: 'heartbeat', agent: '', running: [] }, 'heartbeat.agent must be a non-empty string, not ""'],
  [
    'a running table that is not an array',
    { v: 1, type: 'heartbeat', agent: 'a', running: {} },
    'heartbeat.running must be an array of objects, not an object',
  ],
  [
    'a non-string env value',
    { v: 1, type: 'start-workers', run: 'r', spec: '{}', workers: [{ rank: 0, env: { RANK: 0 } }] },
    'start-workers.workers[0].env.RANK must be a string, not 0',
  ],
  [
    'an env that is an array',
    { v: 1, type: 'start-workers', run: 'r', spec: '{}', workers: [{ rank: 0, env: [] }] },
    'start-workers.workers[0].env must be a map of names to strings, not []',
  ],
  ['an unknown stop mode', { v: 1, type: 'stop-workers', run: 'r', mode: 'pause' }, 'stop-workers.mode must be one of checkpoint, kill, not "pause"'],
  [
    'an unknown chaos action',
    { v: 1, type: 'chaos', action: 'reboot', run: 'r', rank: 0, seconds: 1 },
    'chaos.action must be one of kill-worker, stall-worker, kill-agent, partition, not "reboot"',
  ],
  [
    'an exit code that is a string',
    { v: 1, type: 'worker-exited', run: 'r', rank: 0, code: '1', signal: null },
    'worker-exited.code must be an integer or null, not "1"',
  ],
  [
    'a rendezvous rank beyond the world',
    { v: 1, type: 'rendezvous', run: 'r', rank: 2, worldSize: 2, endpoint: 'tcp://h:1' },
    'rendezvous.rank must be below worldSize (2), not 2',
  ],
  [
    'a rendezvous endpoint that is not tcp',
    { v: 1, type: 'rendezvous', run: 'r', rank: 0, worldSize: 2, endpoint: 'ipc:///x' },
    'rendezvous.endpoint must be a tcp://HOST:PORT endpoint, not "ipc:///x"',
  ],
  [
    'a CURVE key that is not a string',
    { v: 1, type: 'peers', run: 'r', endpoints: [], curve: { publicKeys: [1], secretKey: 's' } },
    'peers.curve.publicKeys[0] must be a string, not 1',
  ],
  [
    'CURVE keys without the secret key',
    { v: 1, type: 'peers', run: 'r', endpoints: [], curve: { publicKeys: [] } },
    'peers.curve.secretKey must be a string, but is missing',
  ],
  [
    'an overlong reason',
    { v: 1, type: 'reject', reason: 'x'.repeat(1_000_001) },
    `reject.reason must be a non-empty string of at most 1000000 characters, not "${'x'.repeat(40)}…"`,
  ],
  [
    'a report of an unknown type',
    { v: 1, type: 'worker-report', run: 'r', rank: 0, report: { v: 1, type: 'reboot' } },
    'worker-report.report.type must be one of started, progress, timing, evaluation, checkpoint, done, failed, regroup, recovered, not "reboot"',
  ],
  ['a report that is not an object', { v: 1, type: 'worker-report', run: 'r', rank: 0, report: 5 }, 'worker-report.report must be a worker report, not 5'],
  [
    'a report of another version',
    { v: 1, type: 'worker-report', run: 'r', rank: 0, report: { v: 2, type: 'done', step: 1, reason: 'max_steps' } },
    'worker-report.report.v must be 1, not 2',
  ],
  [
    'a report without its step',
    { v: 1, type: 'worker-report', run: 'r', rank: 0, report: { v: 1, type: 'checkpoint', path: 'p' } },
    'worker-report.report.step must be a non-negative integer, but is missing',
  ],
  ['another control version', { v: 2, type: 'heartbeat', agent: 'a', running: [] }, 'unsupported control version 2 (expected 1)'],
  ['no control version', { type: 'heartbeat', agent: 'a', running: [] }, 'unsupported control version undefined (expected 1)'],
  ['an unknown type', { v: 1, type: 'format-disk' }, 'unknown control message type "format-disk"'],
  ['no type', { v: 1 }, 'unknown control message type undefined'],
];

describe('control messages', () => {
  it.each(ok.map((m) => [m.type, m] as const))('%s round-trips', (_type, message) => {
    expect(decodeControlMessage(encodeControlMessage(message))).toEqual(message);
  });

  it('has an example of every message type', () => {
    expect(new Set(ok.map((m) => m.type))).toEqual(new Set(Object.values(CONTROL)));
  });

  it.each(withOptionals.map((m) => [m.type, m] as const))('%s round-trips with its optional fields', (_type, message) => {
    expect(decodeControlMessage(encodeControlMessage(message))).toEqual(message);
  });

  it('passes fields it does not know through (a newer peer may add optional ones)', () => {
    const newer = { ...hello, cores: 64, running: [{ run: 'r', rank: 0, pid: 7, startedAt: 1 }] };
    expect(decodeControlMessage(Buffer.from(JSON.stringify(newer)))).toEqual(newer);
  });

  it.each(bad)('rejects %s, naming the field', (_what, message, error) => {
    expect(() => decodeControlMessage(Buffer.from(JSON.stringify(message)))).toThrow(new ControlDecodeError(error));
  });

  it('rejects a worker report with a mistyped field inside a worker-report message', () => {
    const report = {
      v: 1,
      type: 'progress',
      step: 10,
      maxSteps: 100,
      loss: '2.5',
      lr: 1e-3,
      gradNorm: 1,
      tokensPerSecond: 900,
      seconds: { data: 0, compute: 1, allReduce: 0.1, optimizer: 0.01 },
    };
    const frame = Buffer.from(JSON.stringify({ v: 1, type: 'worker-report', run: 't1.a0', rank: 0, report }));
    expect(() => decodeControlMessage(frame)).toThrow(new ControlDecodeError('worker-report.report.loss must be a number, not "2.5"'));
  });

  it.each([
    ['not JSON', Buffer.from('{"v":1,')],
    ['an array', Buffer.from('[1]')],
    ['another version', Buffer.from('{"v":2,"type":"heartbeat","agent":"a","running":[]}')],
    ['an unknown type', Buffer.from('{"v":1,"type":"format-disk"}')],
    ['a missing field', Buffer.from('{"v":1,"type":"heartbeat","running":[]}')],
    ['a bad port range', Buffer.from('{"v":1,"type":"hello","agent":"a","host":"h","slots":1,"gpus":[],"ports":[9,3],"running":[]}')],
    ['a non-string env value', Buffer.from('{"v":1,"type":"start-workers","run":"r","spec":"{}","workers":[{"rank":0,"env":{"RANK":0}}]}')],
    ['a bad report', Buffer.from('{"v":1,"type":"worker-report","run":"r","rank":0,"report":{"v":1,"type":"reboot"}}')],
    ['a rendezvous rank beyond the world', Buffer.from('{"v":1,"type":"rendezvous","run":"r","rank":2,"worldSize":2,"endpoint":"tcp://h:1"}')],
    ['a rendezvous endpoint that is not tcp', Buffer.from('{"v":1,"type":"rendezvous","run":"r","rank":0,"worldSize":2,"endpoint":"ipc:///x"}')],
    ['an oversized frame', Buffer.alloc(MAX_CONTROL_FRAME_BYTES + 1, 32)],
  ])('rejects %s with ControlDecodeError', (_what, frame) => {
    expect(() => decodeControlMessage(frame)).toThrow(ControlDecodeError);
  });

  it('answers 10,000 mutated messages with a decode error or a valid message, never anything else', () => {
    let seed = 99;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const junk = [null, -1, 1.5, '', 'x', [], {}, [1], { a: 1 }, 2 ** 60, true, '\u0000', 'tcp://h:1'];
    let rejected = 0;
    for (let i = 0; i < 10_000; i++) {
      const message = structuredClone(ok[Math.floor(rnd() * ok.length)]) as unknown as Record<string, unknown>;
      const keys = Object.keys(message);
      const key = keys[Math.floor(rnd() * keys.length)] as string;
      const choice = rnd();
      if (choice < 0.4) message[key] = junk[Math.floor(rnd() * junk.length)];
      else if (choice < 0.6) delete message[key];
      else if (choice < 0.8) message[`extra${i % 7}`] = junk[Math.floor(rnd() * junk.length)];
      else message['type'] = ['hello', 'heartbeat', 'peers', 'reject', 'nope'][Math.floor(rnd() * 5)];
      let text = JSON.stringify(message);
      if (rnd() < 0.2) text = text.slice(0, Math.floor(rnd() * text.length));
      try {
        const decoded = decodeControlMessage(Buffer.from(text));
        expect(decoded.v).toBe(1);
      } catch (error) {
        expect(error).toBeInstanceOf(ControlDecodeError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(3000);
  });

  it('survives random bytes', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
    for (let i = 0; i < 10_000; i++) {
      const frame = Uint8Array.from({ length: 1 + (i % 64) }, next);
      try {
        decodeControlMessage(frame);
      } catch (error) {
        expect(error).toBeInstanceOf(ControlDecodeError);
      }
    }
  });
});
