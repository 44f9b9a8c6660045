import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { z85Decode } from './z85.js';
import { AgentKeyFileError, AgentKeyList, parseAgentKeys } from './agent-key-list.js';

const dir = mkdtempSync(join(tmpdir(), 'orquesta-agent-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const [a, b] = [curveKeyPair(), curveKeyPair()];
const raw = (k: { publicKey: string }) => z85Decode(k.publicKey) as Buffer;

describe('agent key list', () => {
  it('reads one key per line, with comments and names, and names the line of a bad one', () => {
    expect(parseAgentKeys(`# rack 1\n${a.publicKey}  node-1\n\n  ${b.publicKey} # node-2\n`, 'k').size).toBe(2);
    const hashed = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]y#7'; // '#' is a Z85 digit
    expect([...parseAgentKeys(`${hashed} with-hash`, 'k')]).toEqual([(z85Decode(hashed) as Buffer).toString('hex')]);
    expect(() => parseAgentKeys(`${a.publicKey}\nnot-a-key\n`, 'keys.txt')).toThrow(/^keys\.txt:2: "not-a-key" is not a CURVE public key/);
    expect(() => parseAgentKeys(`${a.publicKey.slice(0, 39)}~`, 'k')).toThrow(AgentKeyFileError); // '~' is not Z85
    expect(() => new AgentKeyList(join(dir, 'missing'))).toThrow(/cannot read the agent key file/);
  });

  it('admits listed keys only, and follows changes to the file without a restart', () => {
    const file = join(dir, 'agents.keys');
    writeFileSync(file, `${a.publicKey} a\n`);
    utimesSync(file, 1000, 1000);
    const logged: string[] = [];
    const list = new AgentKeyList(file, (line) => logged.push(line));
    expect([list.allows(raw(a)), list.allows(raw(b))]).toEqual([true, false]);
    writeFileSync(file, `${b.publicKey} b\n`); // a revoked, b added
    utimesSync(file, 2000, 2000);
    expect([list.allows(raw(a)), list.allows(raw(b))]).toEqual([false, true]);
    expect(logged).toEqual([`agent key file ${file} reloaded: 1 key(s)`]);
    writeFileSync(file, 'garbage\n'); // a broken edit keeps the last good list, reported once
    utimesSync(file, 3000, 3000);
    expect([list.allows(raw(a)), list.allows(raw(b)), list.allows(raw(b))]).toEqual([false, true, true]);
    expect(logged.slice(1)).toEqual([
      `agent key file ${file} not reloaded, keeping 1 key(s): ${file}:1: "garbage" is not a CURVE public key (40 Z85 characters)`,
    ]);
  });
});
