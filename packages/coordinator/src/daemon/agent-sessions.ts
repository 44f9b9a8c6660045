/**
 * The coordinator's side of its agents: registration (hello -> welcome), heartbeats (which workers
 * each agent runs), and loss (no heartbeat for `agentTimeoutMs`). An agent counts only once it has
 * said hello to this coordinator process, so after a restart every agent re-registers.
 */
import type { AgentMessage, RunningWorker } from '@orquesta/protocol';
import type { AgentView } from '../scheduler/cluster-view.js';
import type { Store } from '../store/store.js';
import type { ControlChannel } from './control-channel.js';
import type { RunTracker } from './coordinator-types.js';

/** What the sessions need from the coordinator that hosts them. */
export interface AgentSessionsHost {
  readonly store: Store;
  readonly channel: ControlChannel;
  readonly runs: ReadonlyMap<string, RunTracker>;
  /** Heartbeat period agents are told in `welcome`, ms. */
  readonly heartbeatMs: number;
  /** An agent silent for this long is lost, ms. */
  readonly agentTimeoutMs: number;
  now(): number;
  log(line: string): void;
  /** A worker is gone without an exit status (vanished, or its agent lost): `signal` says why. */
  workerGone(run: string, rank: number, signal: string): void;
  /** Every not yet exited worker `pred` selects is gone. */
  workersGone(pred: (w: { agent: string; state: string; trialId: number }) => boolean, signal: string): void;
  reschedule(): void;
}

export class AgentSessions {
  private readonly registered = new Set<string>();

  constructor(private readonly host: AgentSessionsHost) {}

  /** Whether `id` has registered with this coordinator process. */
  has(id: string): boolean {
    return this.registered.has(id);
  }

  /** Registered, alive agents as the scheduler sees them. */
  alive(): AgentView[] {
    return this.host.store
      .agents()
      .filter((a) => a.state === 'alive' && this.registered.has(a.id))
      .map((a) => ({ id: a.id, host: a.host, slots: a.slots, gpus: a.gpus, ports: a.ports }));
  }

  hello(from: string, m: Extract<AgentMessage, { type: 'hello' }>): void {
    const { store, channel } = this.host;
    if (m.agent !== from) {
      channel.send(from, { v: 1, type: 'reject', reason: `hello names agent ${m.agent} but arrived from ${from}` });
      return;
    }
    const known = store.agents().find((a) => a.id === m.agent);
    store.upsertAgent({ id: m.agent, host: m.host, slots: m.slots, gpus: m.gpus, ports: m.ports });
    this.registered.add(m.agent);
    store.addEvent({ experimentId: null, trialId: null, kind: 'agent-registered', message: `agent ${m.agent} at ${m.host}: ${m.slots} slot(s)${m.gpus.length ? `, GPUs ${m.gpus.join(',')}` : ''}${known ? ' (re-registered)' : ''}, ${m.running.length} worker(s) running` });
    this.host.log(`agent ${m.agent} registered (${m.slots} slots, ${m.running.length} running workers)`);
    channel.send(from, { v: 1, type: 'welcome', agent: m.agent, heartbeatMs: this.host.heartbeatMs });
    this.heartbeat(from, m.running);
    this.host.reschedule();
  }

  heartbeat(agent: string, running: readonly RunningWorker[]): void {
    const { store, channel, runs } = this.host;
    const row = store.agents().find((a) => a.id === agent);
    if (!this.registered.has(agent) || !row || row.state !== 'alive') {
      channel.send(agent, { v: 1, type: 'reregister', reason: row?.state === 'lost' ? 'agent was declared lost' : 'unknown agent' });
      return;
    }
    store.setAgentState(agent, 'alive', this.host.now());
    const listed = new Set(running.map((w) => `${w.run}#${w.rank}`));
    for (const w of running) {
      const tracker = runs.get(w.run);
      if (!tracker || tracker.exited.has(w.rank)) {
        // A worker of no current run (an old attempt, or a trial that ended while we were away).
        channel.send(agent, { v: 1, type: 'stop-workers', run: w.run, mode: 'kill' });
        continue;
      }
      const worker = store.workers(w.run).find((x) => x.rank === w.rank);
      if (worker?.state === 'starting') store.workerStarted(w.run, w.rank, w.pid);
    }
    // Workers the store believes run on this agent but the agent does not list have vanished.
    for (const [run, tracker] of runs)
      for (const worker of store.workers(run))
        if (worker.agent === agent && worker.state === 'running' && !listed.has(`${run}#${worker.rank}`) && !tracker.exited.has(worker.rank)) {
          this.host.workerGone(run, worker.rank, 'vanished');
        }
    this.host.reschedule();
  }

  /** Declares agents lost that missed heartbeats for `agentTimeoutMs`; their workers are gone. */
  expire(now: number): void {
    const { store } = this.host;
    for (const agent of store.agents()) {
      if (agent.state !== 'alive' || now - agent.lastSeen < this.host.agentTimeoutMs) continue;
      store.setAgentState(agent.id, 'lost');
      this.registered.delete(agent.id);
      store.addEvent({ experimentId: null, trialId: null, kind: 'agent-lost', message: `agent ${agent.id} missed heartbeats for ${Math.round((now - agent.lastSeen) / 1000)} s` });
      this.host.log(`agent ${agent.id} lost`);
      this.host.workersGone((w) => w.agent === agent.id, 'agent-lost');
    }
  }
}
