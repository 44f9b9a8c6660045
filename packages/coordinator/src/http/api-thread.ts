/**
 * The HTTP API in a thread of its own (started by api-thread-host.ts): it reads the store through a
 * read-only connection to the same SQLite file (WAL: it reads what the coordinator has committed while
 * it writes), checks submitted specs itself, and sends the coordinator only what changes state. So a
 * list, a status or a submission is not queued behind the coordinator's heartbeats, reports and
 * scheduling passes, and those are not queued behind the API.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SubmissionRules } from '../daemon/submission.js';
import { Store } from '../store/store.js';
import { buildApi, type ApiOptions } from './api.js';
import type { ToApiThread } from './api-thread-wire.js';
import { ModelServers, processLauncher } from './model-servers.js';
import { RemoteBackend } from './remote-backend.js';

/** What the thread is started with. */
export interface ApiThreadData {
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly rules: SubmissionRules;
  /** Whether GET /metrics is served (the coordinator's thread writes the exposition). */
  readonly metrics: boolean;
  readonly api: Pick<ApiOptions, 'controlPort' | 'controlPublicKey' | 'pollMs' | 'token' | 'readAuth' | 'assets' | 'tls'>;
  /** Serving checkpoints: the `orquesta` CLI that runs `serve-model`, and the directory checkpoint paths are relative to. */
  readonly serving?: { readonly cli: string; readonly baseDir: string };
}

const port = parentPort;
if (port === null) throw new Error('api-thread.js runs as a worker thread (see api-thread-host.ts)');
const data = workerData as ApiThreadData;
const store = new Store(data.db, Date.now, setImmediate, 'read-only');
const backend = new RemoteBackend(port, data.rules);
const servers = data.serving ? new ModelServers(processLauncher(data.serving.cli)) : undefined;
const app = buildApi({
  ...data.api,
  coordinator: backend,
  store,
  ...(servers && data.serving ? { serving: { servers, baseDir: data.serving.baseDir } } : {}),
  ...(data.metrics ? { prometheusText: () => backend.call<string>({ call: 'metrics' }) } : {}),
});
port.on('message', (message: ToApiThread) => {
  switch (message.type) {
    case 'reply':
      return backend.onReply(message);
    case 'close':
      backend.abandon('the coordinator is shutting down');
      servers?.close();
      void app.close().then(() => {
        store.close();
        port.postMessage({ type: 'closed' });
      });
      return;
    default: {
      const unreachable: never = message;
      throw new TypeError(`unknown message ${JSON.stringify(unreachable)}`);
    }
  }
});
app.listen({ host: data.host, port: data.port }).then(
  (url) => port.postMessage({ type: 'listening', url }),
  (error: Error) => port.postMessage({ type: 'failed', message: error.message }),
);
