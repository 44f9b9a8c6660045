/**
 * `orquesta serve-model --checkpoint DIR`: serves one trained model over HTTP without a coordinator
 * (serving/model-api.ts: POST /api/translate or /api/generate, batched), until SIGINT or SIGTERM, or,
 * when started with an IPC channel (as the coordinator starts it), until that channel closes: a
 * coordinator killed with SIGKILL leaves no model server behind.
 * POSTs need the token in --token-file (made on first use, like `orquesta serve`'s).
 */
import { resolve } from 'node:path';
import { loadOrCreateToken } from '@orquesta/coordinator';
import { EXIT, type CliIO, type ExitCode } from '../io.js';
import { buildModelApi } from '../serving/model-api.js';
import { loadForInference, positiveInt } from './inference-setup.js';
import { signalled } from './serve.js';

export interface ServeModelFlags {
  readonly checkpoint: string;
  readonly host: string;
  readonly port: string;
  readonly tokenFile: string;
  readonly maxBatch: string;
  readonly backend: string;
}

export async function serveModelCommand(
  flags: ServeModelFlags,
  io: CliIO,
  until: Promise<unknown> = Promise.race([signalled(), parentGone()]),
): Promise<ExitCode> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err('orquesta serve-model: --port must be a TCP port (0-65535)');
    return EXIT.usage;
  }
  const maxBatch = positiveInt('max-batch', flags.maxBatch, io);
  if (maxBatch === undefined) return EXIT.usage;
  const loaded = await loadForInference(flags.checkpoint, flags.backend, 'any', io, process.env);
  if (!loaded) return EXIT.usage;
  const tokenFile = resolve(flags.tokenFile);
  let token;
  try {
    token = loadOrCreateToken(tokenFile);
  } catch (error) {
    io.err(`orquesta serve-model: ${(error as Error).message}`);
    return EXIT.failure;
  }
  if (token.created) io.err(`orquesta serve-model: API token (shown once; kept in ${tokenFile}, mode 0600): ${token.value}`);
  const service = new loaded.worker.ModelService(loaded.trained, { maxBatch, maxWaitMs: 2 });
  const app = buildModelApi(service, { token: token.value });
  let url: string;
  try {
    url = await app.listen({ host: flags.host, port });
  } catch (error) {
    io.err(`orquesta serve-model: cannot listen on ${flags.host}:${port}: ${(error as Error).message}`);
    return EXIT.failure;
  }
  const { kind, step } = loaded.trained;
  io.err(
    `orquesta serve-model: ${kind} model of ${resolve(flags.checkpoint)} (step ${step}) at ${url}: POST ${url}/api/${kind === 'translation' ? 'translate' : 'generate'}`,
  );
  const why = await until;
  if (why === 'parent-gone') io.err('orquesta serve-model: the process that started it is gone (IPC channel closed); stopping');
  await app.close();
  if (process.connected) process.disconnect();
  return EXIT.ok;
}

/** Resolves when the IPC channel of a parent that started this process with one closes; never without one. */
function parentGone(): Promise<'parent-gone'> {
  return new Promise((resolveGone) => {
    if (process.send) process.once('disconnect', () => resolveGone('parent-gone'));
  });
}
