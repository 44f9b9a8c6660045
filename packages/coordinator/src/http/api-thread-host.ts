/**
 * The coordinator's side of the API's thread (api-thread.ts): starts it, answers its calls with the
 * coordinator (committing the store before each reply, so what a reply acknowledges is what the API's
 * next read sees), and stops it. A thread that dies is started again on the same port.
 */
import { Worker } from 'node:worker_threads';
import type { Coordinator } from '../daemon/coordinator.js';
import type { Store } from '../store/store.js';
import { TokenBook } from '../daemon/token-book.js';
import type { ApiThreadData } from './api-thread.js';
import { toWireError, type ApiCall, type FromApiThread, type ToApiThread } from './api-thread-wire.js';

/** The thread's compiled entry (the same file from src/ under tests as from dist/: they are siblings). */
const THREAD_MAIN = new URL('../../dist/http/api-thread.js', import.meta.url);

export interface ApiThreadOptions extends Omit<ApiThreadData, 'rules' | 'metrics'> {
  readonly coordinator: Coordinator;
  /** The coordinator's store (committed before each reply). */
  readonly store: Store;
  readonly prometheusText?: () => Promise<string>;
  readonly log: (line: string) => void;
}

export interface ApiThread {
  /** The API's base URL. */
  readonly url: string;
  close(): Promise<void>;
}

/** @throws {Error} the port cannot be bound (the thread's listen error). */
export async function startApiThread(options: ApiThreadOptions): Promise<ApiThread> {
  const { coordinator, store, prometheusText, log, ...rest } = options;
  const tokens = new TokenBook(store);
  const answer = async (call: ApiCall): Promise<unknown> => {
    switch (call.call) {
      case 'queue':
        return coordinator.queue(call.spec, call.specYaml, {
          ...(call.priority === undefined ? {} : { priority: call.priority }),
          ...(call.submitter === undefined ? {} : { submitter: call.submitter }),
        });
      case 'plan':
        return coordinator.plan(call.specYaml, call.source, call.workers === undefined ? {} : { workers: call.workers });
      case 'chaos':
        return coordinator.chaos(call.experimentId, call.action, call.target, call.actor);
      case 'cancel':
      case 'pause':
        return coordinator[call.call](call.experimentId, call.actor);
      case 'resume':
        return coordinator.resume(call.experimentId, { actor: call.actor, ...(call.trial === undefined ? {} : { trial: call.trial }) });
      case 'create-token':
        return tokens.create(call.name, call.role, call.actor);
      case 'revoke-token':
        return tokens.revoke(call.name, call.actor);
      case 'set-quota':
        return tokens.setQuota(call.user, call.quota, call.actor);
      case 'stats':
        return coordinator.stats.snapshot(call.samples);
      case 'metrics':
        if (prometheusText === undefined) throw new Error('this coordinator records no metrics');
        return prometheusText();
      default: {
        const unreachable: never = call;
        throw new TypeError(`unknown call ${JSON.stringify(unreachable)}`);
      }
    }
  };
  let closing = false;
  const start = (port: number): Promise<{ worker: Worker; url: string }> =>
    new Promise((resolve, reject) => {
      const data: ApiThreadData = { ...rest, port, rules: coordinator.submissionRules, metrics: prometheusText !== undefined };
      const worker = new Worker(THREAD_MAIN, { workerData: data });
      const reply = (message: ToApiThread) => worker.postMessage(message);
      let url: string | undefined;
      worker.on('message', (message: FromApiThread) => {
        switch (message.type) {
          case 'call': {
            const { type: _type, id, ...call } = message;
            answer(call).then(
              (value) => {
                store.flush();
                reply({ type: 'reply', id, ok: true, value });
              },
              (error: unknown) => {
                store.flush();
                reply({ type: 'reply', id, ok: false, error: toWireError(error) });
              },
            );
            return;
          }
          case 'listening':
            url = message.url;
            return resolve({ worker, url });
          case 'failed':
            void worker.terminate();
            return reject(new Error(message.message));
          case 'closed':
            return void worker.terminate();
          default: {
            const unreachable: never = message;
            throw new TypeError(`unknown message ${JSON.stringify(unreachable)}`);
          }
        }
      });
      worker.on('error', (error) => {
        if (url === undefined) return reject(error);
        log(`API thread failed: ${error.stack ?? error.message}; starting it again`);
      });
      worker.on('exit', () => {
        if (url === undefined || closing) return;
        start(Number(new URL(url).port)).then(
          (again) => (current = again.worker),
          (error: Error) => log(`API thread could not start again: ${error.message}`),
        );
      });
    });
  const first = await start(options.port);
  let current = first.worker;
  return {
    url: first.url,
    close: async () => {
      closing = true;
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.postMessage({ type: 'close' } satisfies ToApiThread);
      // A thread that cannot close its server in 5 s is stopped.
      const timer = setTimeout(() => void current.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
