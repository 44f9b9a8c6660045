/**
 * The control socket over real ZeroMQ on loopback: CURVE with an agent key list admits the listed
 * agent's key and refuses an unlisted key and a fresh one, naming each refusal in the log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { z85Decode } from '@orquesta/curve';
import { decodeControlMessage } from '@orquesta/protocol';
import { ZmqAgentConnection } from '@orquesta/launch';
import { ZmqControlServer } from './zmq-control-server.js';

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

/** Resolves once `check` holds, polling every 20 ms; rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('control socket with an agent key list', () => {
  it('admits listed agents only', async () => {
    const server = curveKeyPair();
    const [listed, unlisted] = [curveKeyPair(), curveKeyPair()];
    const listedKey = z85Decode(listed.publicKey) as Buffer;
    const received: string[] = [];
    const logged: string[] = [];
    const control = await ZmqControlServer.bind(
      'tcp://127.0.0.1:0',
      (from, frame) => received.push(`${from}:${decodeControlMessage(frame).type}`),
      (line) => logged.push(line),
      {
        curveSecretKey: server.secretKey,
        allowClient: (key) => key.equals(listedKey),
      },
    );
    closers.push(() => control.close());
    const connect = (id: string, clientKeys?: { publicKey: string; secretKey: string }) => {
      const c = new ZmqAgentConnection({
        id,
        endpoint: control.endpoint,
        onFrame: () => {},
        serverKey: server.publicKey,
        ...(clientKeys ? { clientKeys } : {}),
      });
      closers.push(() => c.close());
      c.send({ v: 1, type: 'heartbeat', agent: id, running: [] });
    };
    connect('intruder', unlisted);
    connect('stranger'); // a fresh key pair, as an agent without a key file would have
    connect('node-1', listed);
    await until(() => received.includes('node-1:heartbeat'), 10_000, "the listed agent's heartbeat");
    await until(() => logged.filter((l) => l.startsWith('refused a control connection from 127.0.0.1')).length >= 2, 10_000, 'two refusals');
    expect(received).toEqual(['node-1:heartbeat']);
  }, 30_000);
});
