import { describe, expect, it } from 'vitest';
import { ControlDecodeError, decodeControlMessage, encodeControlMessage, MAX_CONTROL_FRAME_BYTES, type ControlMessage } from './control.js';

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
];

describe('control messages', () => {
  it.each(ok.map((m) => [m.type, m] as const))('%s round-trips', (_type, message) => {
    expect(decodeControlMessage(encodeControlMessage(message))).toEqual(message);
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
