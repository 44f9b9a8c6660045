/** A stand-in for a worker process: tests write its stdout and decide when and how it exits. */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { formatWorkerReport, type WorkerReport } from '@orquesta/protocol';

let nextPid = 1000;

export class FakeProcess extends EventEmitter {
  readonly pid = nextPid++;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: string[] = [];
  /** Messages the launcher sent over the IPC channel. */
  readonly messages: unknown[] = [];
  exited = false;

  get connected(): boolean {
    return !this.exited;
  }

  send(message: unknown, callback?: (error: Error | null) => void): boolean {
    this.messages.push(message);
    callback?.(null);
    return true;
  }

  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly cwd: string,
  ) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    if (signal === 'SIGKILL') this.exit(null, 'SIGKILL');
    return true;
  }

  report(report: WorkerReport): void {
    this.stdout.write(`${formatWorkerReport(report)}\n`);
  }

  exit(code: number | null, signal: string | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.stdout.end();
    this.stderr.end();
    // After pending output, as a real process's pipes drain before 'exit' is seen.
    setImmediate(() => this.emit('exit', code, signal));
  }

  asChild(): ChildProcess {
    return this as unknown as ChildProcess;
  }
}
