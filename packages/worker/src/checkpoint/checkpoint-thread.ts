/**
 * Entry of the worker thread that writes checkpoints (see checkpoint-thread-client.ts): each message is
 * one checkpoint to write with CheckpointStore (atomic, checksummed, pruned); the answer names the job
 * and carries the path and the seconds the write took here, or the error. Hashing and writing run here, off the training loop's thread.
 */
import { parentPort } from 'node:worker_threads';
import { CheckpointStore } from './checkpoint-store.js';
import type { ThreadAnswer, ThreadJob } from './checkpoint-thread-client.js';

const port = parentPort;
if (port === null) throw new Error('checkpoint-thread.js runs as a worker thread');
port.on('message', (job: ThreadJob) => {
  const started = performance.now();
  new CheckpointStore(job.dir, job.keepLast)
    .write(job.step, job.files)
    .then(
      (path): ThreadAnswer => ({ id: job.id, path, seconds: (performance.now() - started) / 1000 }),
      (error: unknown): ThreadAnswer => ({
        id: job.id,
        error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) },
      }),
    )
    .then((answer) => port.postMessage(answer));
});
