/**
 * The coordinator's side of its agents: registration (hello -> welcome), heartbeats (which workers
 * each agent runs), and loss (no heartbeat for `agentTimeoutMs`). An agent counts only once it has
 * said hello to this coordinator process, so after a restart every agent re-registers. Each call
 * updates the store and returns what the coordinator must do (replies, lost workers, a pass).
 */
import type { AgentMessage, RunningWorker } from '@orquesta/protocol';
import type { AgentView } from '../scheduler/cluster-view.js';
import type { Store } from '../store/store.js';
import type { RunTracker } from './coordinator-types.js';
import type { DaemonAction } from './daemon-action.js';

/** The state the sessions read besides the store. */
export interface AgentSessionsState {
  readonly store: Store;
  /** The coordinator's runs being followed (read only). */
  readonly runs: ReadonlyMap<string, RunTracker>;
  /** Heartbeat period agents are told in `welcome`, ms. */
  readonly heartbeatMs: number;
  /** An agent silent for this long is lost, ms. */
  readonly agentTimeoutMs: number;
}

export class AgentSessions {
  private readonly registered = new Set<string>();
  /** Agents shutting down: their workers stop with a checkpoint, nothing new is placed there. */
  private readonly draining = new Set<string>();

  constructor(private readonly state: AgentSessionsState) {}

  /** Whether `id` has registered with this coordinator process. */
  has(id: string): boolean {
    return this.registered.has(id);
  }

  /** Registered, alive agents that are not draining, as the scheduler sees them. */
  alive(): AgentView[] {
    return this.state.store
      .agents()
      .filter((a) => a.state === 'alive' && this.registered.has(a.id) && !this.draining.has(a.id))
      .map((a) => ({ id: a.id, host: a.host, slots: a.slots, gpus: a.gpus, ports: a.ports }));
  }

  /** Registers an agent (welcome), then takes its list of workers as a heartbeat. */
  hello(from: string, m: Extract<AgentMessage, { type: 'hello' }>, now: number): DaemonAction[] {
    const { store } = this.state;
    if (m.agent !== from)
      return [{ kind: 'send', to: from, message: { v: 1, type: 'reject', reason: `hello names agent ${m.agent} but arrived from ${from}` } }];
    const known = store.agents().find((a) => a.id === m.agent);
    store.upsertAgent({ id: m.agent, host: m.host, slots: m.slots, gpus: m.gpus, ports: m.ports });
    this.registered.add(m.agent);
    this.draining.delete(m.agent);
    store.addEvent({
      experimentId: null,
      trialId: null,
      kind: 'agent-registered',
      message: `agent ${m.agent} at ${m.host}: ${m.slots} slot(s)${m.gpus.length ? `, GPUs ${m.gpus.join(',')}` : ''}${known ? ' (re-registered)' : ''}, ${m.running.length} worker(s) running`,
    });
    return [
      { kind: 'log', line: `agent ${m.agent} registered (${m.slots} slots, ${m.running.length} running workers)` },
      { kind: 'send', to: from, message: { v: 1, type: 'welcome', agent: m.agent, heartbeatMs: this.state.heartbeatMs } },
      ...this.heartbeat(from, m.running, now),
    ];
  }

  /** An agent's list of running workers: stale ones are killed, missing ones are gone; a draining agent gets nothing new. */
  heartbeat(agent: string, running: readonly RunningWorker[], now: number, draining = false): DaemonAction[] {
    const { store, runs } = this.state;
    const row = store.agents().find((a) => a.id === agent);
    if (!this.registered.has(agent) || !row || row.state !== 'alive') {
      return [{ kind: 'send', to: agent, message: { v: 1, type: 'reregister', reason: row?.state === 'lost' ? 'agent was declared lost' : 'unknown agent' } }];
    }
    const actions: DaemonAction[] = [];
    store.setAgentState(agent, 'alive', now);
    if (draining && !this.draining.has(agent)) {
      this.draining.add(agent);
      store.addEvent({
        experimentId: null,
        trialId: null,
        kind: 'agent-draining',
        message: `agent ${agent} is draining: its ${running.length} worker(s) checkpoint and stop; nothing new is placed there`,
      });
      actions.push({ kind: 'log', line: `agent ${agent} draining` });
    }
    const listed = new Set(running.map((w) => `${w.run}#${w.rank}`));
    for (const w of running) {
      const tracker = runs.get(w.run);
      if (!tracker || tracker.exited.has(w.rank)) {
        // A worker of no current run (an old attempt, or a trial that ended while we were away).
        actions.push({ kind: 'send', to: agent, message: { v: 1, type: 'stop-workers', run: w.run, mode: 'kill' } });
        continue;
      }
      const worker = store.workers(w.run).find((x) => x.rank === w.rank);
      if (worker?.state === 'starting') store.workerStarted(w.run, w.rank, w.pid);
    }
    // Workers the store believes run on this agent but the agent does not list have vanished.
    for (const [run, tracker] of runs)
      for (const worker of store.workers(run))
        if (worker.agent === agent && worker.state === 'running' && !listed.has(`${run}#${worker.rank}`) && !tracker.exited.has(worker.rank)) {
          actions.push({ kind: 'worker-gone', run, rank: worker.rank, signal: 'vanished' });
        }
    actions.push({ kind: 'reschedule' });
    return actions;
  }

  /** Declares agents lost that missed heartbeats for `agentTimeoutMs`; their workers are gone. */
  expire(now: number): DaemonAction[] {
    const { store } = this.state;
    const actions: DaemonAction[] = [];
    for (const agent of store.agents()) {
      if (agent.state !== 'alive' || now - agent.lastSeen < this.state.agentTimeoutMs) continue;
      store.setAgentState(agent.id, 'lost');
      this.registered.delete(agent.id);
      store.addEvent({
        experimentId: null,
        trialId: null,
        kind: 'agent-lost',
        message: `agent ${agent.id} missed heartbeats for ${Math.round((now - agent.lastSeen) / 1000)} s`,
      });
      actions.push({ kind: 'log', line: `agent ${agent.id} lost` }, { kind: 'agent-lost', agent: agent.id });
    }
    return actions;
  }
}
