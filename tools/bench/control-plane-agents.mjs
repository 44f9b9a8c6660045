#!/usr/bin/env node
// Simulated node agents for tools/bench/control-plane.mjs: many agents in this one process, each the
// real NodeAgent with its own routing id, its own CURVE key pair (listed in the coordinator's
// --agent-keys file) and its own ZeroMQ DEALER to the coordinator's control socket. Their workers are
// not processes: a simulated worker reports every --report-every-s seconds (rank 0 `progress` with a
// loss and where its time went, the others `timing`; all with memory and all-reduce bytes), a checkpoint every 3 reports, and `done` when its steps are up (10 steps
// per simulated second, max_steps from the spec), then exits 0; SIGTERM makes it checkpoint, report
// `done: stopped` and exit 0; SIGKILL ends it at once. The coordinator cannot tell them from real ones.
//
// Reads one JSON config file (argv[2]): { endpoint, serverKey, token, stateDir, slots, hbMs,
// reportEverySec, agents: [{ id, publicKey, secretKey }], statsFile? }. Prints "ready N" once every agent said
// hello; on SIGTERM writes how late its heartbeat timers fired (ms, each beat) to statsFile.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeProcess, NodeAgent, ZmqAgentConnection } from '@orquesta/launch';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const STEPS_PER_SECOND = 10;

/** A worker that reports like a real one on timers, and checkpoints and stops on SIGTERM. */
class SimWorker extends FakeProcess {
  constructor(env, cwd) {
    super(env, cwd);
    this.rank = Number(env.RANK);
    const spec = JSON.parse(readFileSync(env.ORQUESTA_SPEC, 'utf8'));
    this.maxSteps = spec.training.max_steps;
    this.step = 0;
    this.reportedStep = 0;
    this.reports = 0;
    this.startedAt = Date.now();
    setImmediate(() => {
      this.stdout.write(`pid ${this.pid}\n`);
      if (this.rank === 0)
        this.report({
          v: 1,
          type: 'started',
          rank: 0,
          worldSize: Number(env.WORLD_SIZE),
          backend: 'simulated',
          parameters: 1_000_000,
          resumedFrom: null,
          maxSteps: this.maxSteps,
          dataSummary: [],
        });
    });
    // Spread the workers' reports over the period, as independent processes would be.
    const period = config.reportEverySec * 1000;
    this.timer = setTimeout(() => {
      this.tick();
      this.timer = setInterval(() => this.tick(), period);
    }, Math.random() * period);
  }

  tick() {
    if (this.exited) return;
    this.step = Math.min(this.maxSteps, Math.floor(((Date.now() - this.startedAt) / 1000) * STEPS_PER_SECOND));
    const seconds = { data: 0.01, compute: 0.07, allReduce: 0.015, optimizer: 0.005 };
    // What a real worker adds to every report: its memory, the bytes of one step's all-reduce, the
    // compute seconds since its previous report (stragglers), and rank 0 where its time went (goodput).
    const steps = this.step - this.reportedStep;
    this.reportedStep = this.step;
    const resources = {
      memory: { rss: 6e8 + this.rank * 1e6, tensors: 2e8, peakRss: 7e8, wasmHeap: 4e8 },
      allReduceBytes: 4_000_000,
      computeWindow: { steps, seconds: steps * seconds.compute },
    };
    const age = (Date.now() - this.startedAt) / 1000;
    if (this.rank === 0)
      this.report({
        v: 1,
        type: 'progress',
        step: this.step,
        maxSteps: this.maxSteps,
        loss: 8 * Math.exp(-this.step / 500) + 1,
        lr: 1e-3,
        gradNorm: 1,
        tokensPerSecond: 20_000,
        seconds,
        ...resources,
        time: { startup: 0, steps: age * 0.95, evaluation: 0, checkpoint: age * 0.03, other: age * 0.02 },
      });
    else this.report({ v: 1, type: 'timing', rank: this.rank, step: this.step, seconds, ...resources });
    if (++this.reports % 3 === 0 && this.rank === 0) this.report({ v: 1, type: 'checkpoint', step: this.step, path: `sim/step-${this.step}` });
    if (this.step >= this.maxSteps) this.finish('max_steps');
  }

  finish(reason) {
    clearInterval(this.timer);
    clearTimeout(this.timer);
    if (this.rank === 0) {
      if (reason === 'stopped') this.report({ v: 1, type: 'checkpoint', step: this.step, path: `sim/step-${this.step}` });
      this.report({ v: 1, type: 'done', step: this.step, reason });
    }
    this.exit(0);
  }

  kill(signal = 'SIGTERM') {
    this.signals.push(signal);
    if (signal === 'SIGKILL') {
      clearInterval(this.timer);
      clearTimeout(this.timer);
      this.exit(null, 'SIGKILL');
    } else if (signal === 'SIGTERM') setTimeout(() => !this.exited && this.finish('stopped'), 200);
    return true;
  }
}

let helloed = 0;
const timerLags = [];
const agents = config.agents.map(({ id, publicKey, secretKey }) => {
  let agent;
  const connection = new ZmqAgentConnection({
    id,
    endpoint: config.endpoint,
    serverKey: config.serverKey,
    clientKeys: { publicKey, secretKey },
    onFrame: (frame) => agent.receive(frame),
    log: (line) => process.stderr.write(`${id}: ${line}\n`),
  });
  agent = new NodeAgent({
    id,
    host: `${id}.sim`,
    slots: config.slots,
    gpus: Array.from({ length: config.slots }, (_, i) => String(i)),
    ports: [29500, 29599],
    workdir: process.cwd(),
    stateDir: join(config.stateDir, id),
    workerMain: '/simulated/worker.js',
    connection,
    baseEnv: {},
    cores: 64,
    token: config.token,
    spawner: (_command, _args, env, cwd) => new SimWorker(env, cwd).asChild(),
  });
  return { agent, connection };
});

// Hellos spread over a second, then a heartbeat per agent at the period the coordinator asked for.
for (const [i, { agent }] of agents.entries()) {
  setTimeout(
    () => {
      agent.hello();
      helloed++;
      if (helloed === agents.length) process.stdout.write(`ready ${helloed}\n`);
      // How late this process fires its own heartbeat timers (a late heartbeat may be the agent's doing).
      let due = Date.now() + agent.heartbeatMs;
      const beat = () => {
        timerLags.push(Date.now() - due);
        agent.heartbeat();
        due = Date.now() + agent.heartbeatMs;
        setTimeout(beat, agent.heartbeatMs);
      };
      setTimeout(beat, agent.heartbeatMs);
    },
    (i / agents.length) * 1000,
  );
}

for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => {
    for (const { connection } of agents) connection.close();
    if (config.statsFile) writeFileSync(config.statsFile, JSON.stringify({ timerLags }));
    process.exit(0);
  });
