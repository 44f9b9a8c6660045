/**
 * A coordinator and node agents wired in memory (messages go through the real encoder and decoder,
 * delivered asynchronously in order) with fake worker processes and a fake clock.
 */
import { encodeControlMessage } from '@orquesta/protocol';
import { FakeProcess, NodeAgent } from '@orquesta/launch';
import { Coordinator } from '../daemon/coordinator.js';
import type { CoordinatorOptions } from '../daemon/coordinator-types.js';
import { Store } from '../store/store.js';

export class InMemoryCluster {
  clock = 1_000_000;
  readonly store: Store;
  coordinator: Coordinator;
  readonly agents = new Map<string, NodeAgent>();
  readonly processes: FakeProcess[] = [];
  readonly logs: string[] = [];
  /** Agents whose messages are dropped both ways (a partitioned or dead node). */
  readonly cut = new Set<string>();
  private readonly queue: (() => void)[] = [];

  constructor(
    file = ':memory:',
    private readonly options: Partial<CoordinatorOptions> = {},
  ) {
    this.store = new Store(file, () => this.clock);
    this.coordinator = this.makeCoordinator(this.store);
  }

  makeCoordinator(store: Store): Coordinator {
    this.coordinator = new Coordinator({
      store,
      now: () => this.clock,
      log: (line) => this.logs.push(line),
      channel: {
        send: (agent, message) => {
          const frame = encodeControlMessage(message);
          this.queue.push(() => {
            if (!this.cut.has(agent)) this.agents.get(agent)?.receive(frame);
          });
        },
      },
      ...this.options,
    });
    return this.coordinator;
  }

  addAgent(id: string, slots: number, gpus: string[] = [], token?: string): NodeAgent {
    const agent = new NodeAgent({
      id,
      ...(token ? { token } : {}),
      host: `${id}.test`,
      slots,
      gpus,
      ports: [29500, 29599],
      workdir: '/work',
      stateDir: `/tmp/orquesta-test-agent-${process.pid}-${id}`,
      workerMain: '/worker/main.js',
      cores: 2,
      baseEnv: {},
      now: () => this.clock,
      wallClock: () => this.clock, // heartbeats' sentAt on the same simulated clock as the coordinator's
      // `chaos kill-agent` and `partition`: the node drops off the network instead of ending the test.
      exit: () => this.cut.add(id),
      partition: () => this.cut.add(id),
      connection: {
        send: (message) => {
          const frame = encodeControlMessage(message);
          this.queue.push(() => {
            if (!this.cut.has(id)) this.coordinator.receive(id, frame);
          });
        },
      },
      spawner: (_command, _args, env, cwd) => {
        const p = new FakeProcess(env, cwd);
        this.processes.push(p);
        return p.asChild();
      },
    });
    this.agents.set(id, agent);
    agent.hello();
    return agent;
  }

  /** Delivers queued messages and lets fake processes' output through until nothing moves. */
  async settle(): Promise<void> {
    for (let idle = 0; idle < 3;) {
      await new Promise((r) => setImmediate(r));
      if (this.queue.length === 0) {
        idle++;
        continue;
      }
      idle = 0;
      while (this.queue.length > 0) this.queue.shift()?.();
    }
  }

  /** Advances the clock, heartbeats every connected agent and runs the coordinator's tick. */
  async advance(ms: number, heartbeats = true): Promise<void> {
    this.clock += ms;
    if (heartbeats) for (const agent of this.agents.values()) agent.heartbeat();
    await this.settle();
    this.coordinator.tick();
    await this.settle();
  }

  /** Live (not exited) worker processes of a trial, by rank. */
  live(trialId: number): FakeProcess[] {
    const trial = this.store.trial(trialId);
    const run = `${trialId}.${trial.attempt}`;
    return this.processes
      .filter((p) => !p.exited && p.env['ORQUESTA_SPEC']?.includes(`/runs/${run}/`))
      .sort((a, b) => Number(a.env['RANK']) - Number(b.env['RANK']));
  }
}
