/**
 * The coordinator's HTTP JSON API (fastify). Request bodies are checked by JSON Schema and specs by
 * the spec loader (problems come back with LINE:COL and field); every error is
 * `{error: {code, message}}` with a 4xx status, never a stack trace.
 *
 *   GET  /api/experiments[?state=S&limit=N&offset=K]  (header x-total-count)   POST /api/experiments {spec, priority?, source?}
 *   GET  /api/experiments/:id             POST /api/experiments/:id/{cancel,pause,resume}
 *   GET  /api/experiments/:id/logs?after=N[&follow=1]   (NDJSON)
 *   GET  /api/experiments/:id/events?after=N            (JSON, or server-sent events with Accept: text/event-stream)
 *   GET  /api/compare?ids=1,2             trials of up to 20 experiments side by side: search points, best validation
 *                                         figures, steps, wall time, validation curves (compare-view.ts)
 *   GET  /api/agents                      GET /api/cluster (control endpoint for agents)
 *   GET  /api/stats[?samples=1]           scheduling pass durations and heartbeat lags (p50, p99, max)
 *   POST /api/plan {spec, workers?}       placement without queueing
 *   POST /api/experiments/:id/{translate,generate,attention} {text | prompt, ..., trial?, step?}  the best trial's newest
 *                                         checkpoint (or the one named) answers, through an `orquesta serve-model` (model-servers.ts)
 *   GET  /metrics                         Prometheus exposition (when the entry point set up metrics)
 *   GET  /api/live[?experiment=ID]        server-sent events feeding the dashboard (GET /)
 */
import { CHAOS_ACTIONS, type ChaosAction } from '@orquesta/protocol';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import type { Server as TlsServer } from 'node:tls';
import { formatProblem, MAX_SPEC_BYTES } from '@orquesta/spec';
import { PROMETHEUS_CONTENT_TYPE } from '@orquesta/telemetry';
import type { ApiBackend } from './api-backend.js';
import { QuotaExceededError, StateConflictError } from '../daemon/daemon-errors.js';
import { JOB_STATE, SETTLED_STATES, type JobState } from '../jobs/job-state.js';
import type { Store } from '../store/store.js';
import { NotFoundError } from '../store/store-errors.js';
import { API_ERROR, type ApiErrorCode } from './api-errors.js';
import { installAuth, permitted } from './api-auth.js';
import { registerAccountRoutes } from './account-routes.js';
import { ACTION } from '../auth/roles.js';
import { experimentStatus, experimentSummaries, experimentSummary } from './experiment-status.js';
import { refusePlainHttp } from './plain-http-refusal.js';
import { compareExperiments, MAX_COMPARED } from './compare-view.js';
import type { ModelServers } from './model-servers.js';
import { checkpointToServe, NoCheckpointError } from './serving-target.js';

export interface ApiOptions {
  /** The coordinator's user requests (api-backend.ts: `localBackend(coordinator)` in its thread). */
  readonly coordinator: ApiBackend;
  /** What the API reads: the coordinator's store, or a read-only one on the same file in another thread. */
  readonly store: Store;
  /** Port of the control socket agents connect to. */
  readonly controlPort: number;
  /** Its CURVE public key, when it is encrypted. */
  readonly controlPublicKey?: string;
  /** How often streaming endpoints look for new rows, in ms. Defaults to 500. */
  readonly pollMs?: number;
  /** Bearer token every mutating call must carry (401 without, 403 with a wrong one). None: no check. */
  readonly token?: string;
  /** Also require the token for reads (the dashboard's and GET API calls; /metrics stays open). */
  readonly readAuth?: boolean;
  /** Static files (the dashboard) by URL path. */
  readonly assets?: Readonly<Record<string, { readonly file: string; readonly contentType: string }>>;
  /** Serving experiments' checkpoints: model servers, and the directory checkpoint paths are relative to. */
  readonly serving?: { readonly servers: ModelServers; readonly baseDir: string };
  /** The Prometheus text exposition GET /metrics serves. */
  readonly prometheusText?: () => Promise<string>;
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP on the port gets a 400 naming the https URL. None: plain HTTP. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** Experiments the dashboard's live feed lists (the newest). */
const LIVE_EXPERIMENTS = 200;

const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] } as const;

export function buildApi(options: ApiOptions): FastifyInstance {
  const { coordinator, store } = options;
  const pollMs = options.pollMs ?? 500;
  // Unknown fields are errors, not silently dropped.
  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    bodyLimit: MAX_SPEC_BYTES * 2,
    logger: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });

  if (options.tls) refusePlainHttp(app.server as unknown as TlsServer);

  const fail = (reply: FastifyReply, status: number, code: ApiErrorCode, message: string, problems?: string[]) =>
    reply.status(status).send({ error: { code, message, ...(problems ? { problems } : {}) } });

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string; validation?: unknown }, _request, reply) => {
    if (error instanceof NotFoundError) return fail(reply, 404, API_ERROR.notFound, error.message);
    if (error instanceof StateConflictError) return fail(reply, 409, API_ERROR.conflict, error.message);
    if (error instanceof QuotaExceededError) return fail(reply, 403, API_ERROR.quotaExceeded, error.message);
    if (error instanceof NoCheckpointError) return fail(reply, 409, API_ERROR.noCheckpoint, error.message);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail(reply, 413, API_ERROR.payloadTooLarge, error.message);
    if (error.validation !== undefined || (error.statusCode !== undefined && error.statusCode < 500))
      return fail(reply, error.statusCode ?? 400, API_ERROR.badRequest, error.message);
    return fail(reply, 500, API_ERROR.internal, error.message);
  });
  app.setNotFoundHandler((request, reply) => fail(reply, 404, API_ERROR.notFound, `no route ${request.method} ${request.url}`));

  installAuth(app, { store, ...(options.token === undefined ? {} : { token: options.token }), ...(options.readAuth ? { readAuth: true } : {}) }, fail);
  registerAccountRoutes(app, coordinator, store, fail);

  // A reply goes out only once what it acknowledges or shows is committed (writes are batched per turn).
  app.addHook('onSend', async () => store.flush());

  const prometheusText = options.prometheusText;
  if (prometheusText) app.get('/metrics', async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(await prometheusText()));

  for (const [path, asset] of Object.entries(options.assets ?? {}))
    app.get(path, async (_request, reply) =>
      reply
        .type(asset.contentType)
        .header('cache-control', 'no-cache')
        .send(await readFile(asset.file)),
    );

  // The dashboard's live feed: every pollMs, the newest experiments with counts of all, the agents, and for ?experiment=ID
  // its status plus the metric, event and log rows added since the previous message.
  app.get('/api/live', { schema: { querystring: { type: 'object', properties: { experiment: { type: 'integer', minimum: 1 } } } } }, async (request, reply) => {
    const { experiment } = request.query as { experiment?: number };
    if (experiment !== undefined) store.experiment(experiment);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const cursor = { metrics: 0, events: 0, logs: 0 };
    const send = () => {
      // The newest experiments only, with counts of all: the list stays small with thousands queued.
      const page = experimentSummaries(store, { limit: LIVE_EXPERIMENTS, offset: 0, newest: true });
      const snapshot = {
        experiments: page.rows,
        experimentCounts: { total: page.total, byState: store.experimentCounts() },
        agents: store.agents(),
        status: experiment === undefined ? null : experimentStatus(store, experiment),
        metrics: experiment === undefined ? [] : store.experimentMetrics(experiment, cursor.metrics),
        events: experiment === undefined ? [] : store.events(experiment, cursor.events),
        logs: experiment === undefined ? [] : store.logs(experiment, cursor.logs, 2000),
      };
      cursor.metrics = snapshot.metrics.at(-1)?.id ?? cursor.metrics;
      cursor.events = snapshot.events.at(-1)?.id ?? cursor.events;
      cursor.logs = snapshot.logs.at(-1)?.id ?? cursor.logs;
      reply.raw.write(`event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
      return false;
    };
    send();
    await streamUntil(reply, pollMs, send);
  });

  app.get('/api/cluster', async () => ({
    controlPort: options.controlPort,
    ...(options.controlPublicKey ? { controlPublicKey: options.controlPublicKey } : {}),
  }));
  app.get('/api/stats', { schema: { querystring: { type: 'object', properties: { samples: { type: 'boolean', default: false } } } } }, async (request) =>
    coordinator.stats((request.query as { samples: boolean }).samples),
  );
  app.get(
    '/api/compare',
    { schema: { querystring: { type: 'object', required: ['ids'], properties: { ids: { type: 'string', pattern: '^[1-9][0-9]*(,[1-9][0-9]*)*$' } } } } },
    async (request, reply) => {
      const ids = [...new Set((request.query as { ids: string }).ids.split(',').map(Number))];
      if (ids.length > MAX_COMPARED) return fail(reply, 400, API_ERROR.badRequest, `at most ${MAX_COMPARED} experiments at once, got ${ids.length}`);
      return compareExperiments(store, ids);
    },
  );
  app.get('/api/agents', async () =>
    store.agents().map((a) => ({ ...a, lastSeen: new Date(a.lastSeen).toISOString(), registeredAt: new Date(a.registeredAt).toISOString() })),
  );

  app.get(
    '/api/experiments',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: Object.values(JOB_STATE), description: 'Only experiments in this state.' },
            limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 1000, description: 'At most this many, ids ascending. Defaults to 1,000.' },
            offset: { type: 'integer', minimum: 0, default: 0, description: 'Skip this many matches first. Defaults to 0.' },
            token: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const query = request.query as { state?: JobState; limit: number; offset: number };
      const page = experimentSummaries(store, { limit: query.limit, offset: query.offset, ...(query.state ? { state: query.state } : {}) });
      // The body stays a plain array; the count of all matches rides in a header.
      return reply.header('x-total-count', String(page.total)).send(page.rows);
    },
  );

  app.post(
    '/api/experiments',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['spec'],
          properties: {
            spec: { type: 'string', minLength: 1, maxLength: MAX_SPEC_BYTES, description: 'Experiment spec, YAML text.' },
            source: { type: 'string', maxLength: 1024, description: 'File name used in problem messages. Defaults to <submitted>.' },
            priority: { type: 'integer', minimum: 0, maximum: 100, description: 'Overrides scheduling.priority.' },
          },
        },
      },
    },
    async (request, reply) => {
      if (!permitted(request, reply, fail, ACTION.submit)) return reply;
      const body = request.body as { spec: string; source?: string; priority?: number };
      const options = { submitter: request.identity!.name, ...(body.priority === undefined ? {} : { priority: body.priority }) };
      const result = await coordinator.submit(body.spec, body.source ?? '<submitted>', options);
      if (!result.ok) return fail(reply, 400, API_ERROR.invalidSpec, `the spec has ${result.problems.length} problem(s)`, result.problems.map(formatProblem));
      return reply.status(201).send({ id: result.id, trials: result.trials.length });
    },
  );

  app.post(
    '/api/plan',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['spec'],
          properties: {
            spec: { type: 'string', minLength: 1, maxLength: MAX_SPEC_BYTES },
            source: { type: 'string', maxLength: 1024 },
            workers: { type: 'integer', minimum: 1, maximum: 4096 },
          },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { spec: string; source?: string; workers?: number };
      const result = await coordinator.plan(body.spec, body.source ?? '<submitted>', body.workers === undefined ? {} : { workers: body.workers });
      if (!result.ok) return fail(reply, 400, API_ERROR.invalidSpec, `the spec has ${result.problems.length} problem(s)`, result.problems.map(formatProblem));
      const { spec: _spec, ok: _ok, ...rest } = result;
      return rest;
    },
  );

  app.post(
    '/api/experiments/:id/chaos',
    {
      schema: {
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['action'],
          properties: {
            action: { type: 'string', enum: [...CHAOS_ACTIONS, 'corrupt-checkpoint'] },
            rank: { type: 'integer', minimum: 0 },
            node: { type: 'string', minLength: 1, maxLength: 256 },
            seconds: { type: 'integer', minimum: 1, maximum: 3600 },
          },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      if (!permitted(request, reply, fail, ACTION.control, store.experiment(id).submitter)) return reply;
      const { action, ...target } = request.body as { action: ChaosAction | 'corrupt-checkpoint'; rank?: number; node?: string; seconds?: number };
      return { done: await coordinator.chaos(id, action, target, request.identity!.name) };
    },
  );

  app.get('/api/experiments/:id', { schema: { params: idParams } }, async (request) => experimentStatus(store, (request.params as { id: number }).id));

  for (const action of ['cancel', 'pause', 'resume'] as const) {
    app.post(`/api/experiments/:id/${action}`, { schema: { params: idParams } }, async (request, reply) => {
      const { id } = request.params as { id: number };
      if (!permitted(request, reply, fail, ACTION.control, store.experiment(id).submitter)) return reply;
      const actor = request.identity!.name;
      // resume takes an optional {trial: N} (a paused trial, or one a search stopped); the body may be absent.
      const trial = action === 'resume' ? (request.body as { trial?: unknown } | undefined)?.trial : undefined;
      if (trial !== undefined && !(Number.isInteger(trial) && (trial as number) >= 0))
        return fail(reply, 400, API_ERROR.badRequest, `trial must be a trial index (0, 1, ...), got ${JSON.stringify(trial)}`);
      await (action === 'resume'
        ? coordinator.resume(id, { actor, ...(trial === undefined ? {} : { trial: trial as number }) })
        : coordinator[action](id, actor));
      return experimentSummary(store, id);
    });
  }

  const serving = options.serving;
  if (serving)
    for (const action of ['translate', 'generate', 'attention'] as const)
      app.post(
        `/api/experiments/:id/${action}`,
        {
          schema: {
            params: idParams,
            body: {
              type: 'object',
              properties: {
                trial: { type: 'integer', minimum: 0, description: "A trial's index. Defaults to the best trial." },
                step: { type: 'integer', minimum: 0, description: "A checkpoint's step. Defaults to the trial's newest." },
              },
            },
          },
        },
        async (request, reply) => {
          const { id } = request.params as { id: number };
          if (!permitted(request, reply, fail, ACTION.read)) return reply;
          // The rest of the body is the model server's to check (serve-model's API).
          const { trial, step, ...rest } = request.body as { trial?: number; step?: number };
          const checkpoint = checkpointToServe(
            store,
            id,
            { ...(trial === undefined ? {} : { trial }), ...(step === undefined ? {} : { step }) },
            serving.baseDir,
          );
          let server;
          try {
            server = await serving.servers.forCheckpoint(checkpoint);
          } catch (error) {
            return fail(reply, 503, API_ERROR.unavailable, (error as Error).message);
          }
          const answer = await fetch(`${server.url}/api/${action}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(rest),
          });
          return reply.status(answer.status).send(await answer.json());
        },
      );

  const afterQuery = {
    type: 'object',
    properties: { after: { type: 'integer', minimum: 0, default: 0 }, follow: { type: 'boolean', default: false } },
  } as const;

  app.get('/api/experiments/:id/logs', { schema: { params: idParams, querystring: afterQuery } }, async (request, reply) => {
    const { id } = request.params as { id: number };
    const { after, follow } = request.query as { after: number; follow: boolean };
    store.experiment(id);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson' });
    let last = after;
    const flush = () => {
      for (const row of store.logs(id, last, 5000)) {
        reply.raw.write(`${JSON.stringify(row)}\n`);
        last = row.id;
      }
    };
    flush();
    if (!follow) return reply.raw.end();
    await streamUntil(reply, pollMs, () => {
      flush();
      return SETTLED_STATES.includes(store.experiment(id).state);
    });
  });

  app.get('/api/experiments/:id/events', { schema: { params: idParams, querystring: afterQuery } }, async (request, reply) => {
    const { id } = request.params as { id: number };
    const { after } = request.query as { after: number };
    store.experiment(id);
    if (!(request.headers.accept ?? '').includes('text/event-stream')) return store.events(id, after);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let last = after;
    await streamUntil(reply, pollMs, () => {
      for (const row of store.events(id, last)) {
        reply.raw.write(`id: ${row.id}\nevent: ${row.kind}\ndata: ${JSON.stringify(row)}\n\n`);
        last = row.id;
      }
      return false;
    });
  });

  return app;
}

/** Polls `step` until it returns true or the client goes away, then ends the response. */
function streamUntil(reply: FastifyReply, pollMs: number, step: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(timer);
      if (!reply.raw.writableEnded) reply.raw.end();
      resolve();
    };
    const timer = setInterval(() => {
      try {
        if (step()) finish();
      } catch {
        finish();
      }
    }, pollMs);
    reply.raw.on('close', finish);
  });
}
