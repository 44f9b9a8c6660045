import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRankProcesses, type RankProcess } from './rank-processes.js';

const node = (name: string, script: string): RankProcess => ({ name, file: process.execPath, args: ['-e', script], env: process.env });

describe('runRankProcesses', () => {
  it("resolves with each process's last stdout line as JSON, in order", async () => {
    const results = await runRankProcesses<{ rank: number }>([
      node('rank 0', 'console.log("warming up"); console.log(JSON.stringify({ rank: 0 }))'),
      node('rank 1', 'console.log(JSON.stringify({ rank: 1 }))'),
    ]);
    expect(results).toEqual([{ rank: 0 }, { rank: 1 }]);
  });

  it('names the rank that fails with the end of its stderr, and kills the others', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'orquesta-ranks-')), 'sleeper.pid');
    const sleeper = `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 600_000)`;
    const failing = `const fs = require('node:fs'); const go = () => fs.existsSync(${JSON.stringify(pidFile)}) ? (console.error('first'), console.error('boom'), process.exit(3)) : setTimeout(go, 10); go()`;
    await expect(runRankProcesses([node('rank 0', sleeper), node('rank 1 of 2', failing)])).rejects.toThrow('rank 1 of 2 exited with 3: first | boom');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' })); // gone, not waited for
  });

  it('rejects a rank that prints no JSON', async () => {
    await expect(runRankProcesses([node('rank 0', 'console.log("done")')])).rejects.toThrow('rank 0 printed no result: done');
  });
});
