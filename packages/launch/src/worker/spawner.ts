/** How launchers start processes: node's `spawn`, or a fake in tests. */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';

export type Spawner = (command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string) => ChildProcess;

/**
 * Pipes stdout and stderr, and opens an IPC channel: a worker notices through it that its launcher
 * died (the channel disconnects) and exits instead of training on as an orphan.
 */
export const defaultSpawner: Spawner = (command, args, env, cwd) => nodeSpawn(command, [...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
