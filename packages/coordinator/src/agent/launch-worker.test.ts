import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { RECOMMENDED_RANK_NODE_FLAGS, type AgentMessage } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import type { Spawner } from '../launch/local-job.js';
import { launchWorker } from './launch-worker.js';

/** Launches one worker with a spawner that records its command line; returns that and what was sent. */
function launch(sockets: boolean, env: NodeJS.ProcessEnv = {}) {
  const calls: { command: string; args: readonly string[] }[] = [];
  const child = new EventEmitter() as ChildProcess;
  const spawner: Spawner = (command, args) => {
    calls.push({ command, args });
    return child;
  };
  const sent: AgentMessage[] = [];
  launchWorker({ run: 'r1', rank: 3, env, workerMain: '/opt/worker.js', cwd: '/tmp', connection: { send: (m) => sent.push(m) }, spawner, sockets });
  return { calls, sent, child };
}

describe('launchWorker', () => {
  it('gives workers whose peers are on other hosts the recommended node flags before the script', () => {
    expect(launch(true).calls).toEqual([{ command: process.execPath, args: [...RECOMMENDED_RANK_NODE_FLAGS, '/opt/worker.js'] }]);
  });

  it('gives workers that share the host none, and ORQUESTA_RANK_NODE_FLAGS wins', () => {
    expect(launch(false).calls[0]?.args).toEqual(['/opt/worker.js']);
    expect(launch(true, { ORQUESTA_RANK_NODE_FLAGS: '--max-old-space-size=8192' }).calls[0]?.args).toEqual(['--max-old-space-size=8192', '/opt/worker.js']);
  });

  it('reports the exit to the coordinator', () => {
    const { child, sent } = launch(true);
    child.emit('exit', 0, null);
    expect(sent).toEqual([{ v: 1, type: 'worker-exited', run: 'r1', rank: 3, code: 0, signal: null }]);
  });
});
