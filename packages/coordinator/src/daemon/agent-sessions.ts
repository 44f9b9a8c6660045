/**
 * The coordinator's side of its agents: registration (hello -> welcome), heartbeats (which workers
 * each agent runs), and loss (no heartbeat for `agentTimeoutMs`). An agent counts only once it has
 * said hello to this coordinator process, so after a restart every agent re-registers. Each call
 * updates the store and returns what the coordinator must do (replies, lost workers, a pass).
 *
 * Any message of an agent's counts as a sign of life, not only its heartbeats, which may wait in its
 * queue behind its workers' reports. A silent agent is not blamed for the coordinator's own delays:
 * a stalled event loop restarts every silence clock (`stallMs`), and a backlog in the control inbox
 * (heartbeats handled late while the loop still turns, as when the coordinator's host is short of
 * CPU) extends the timeout by that backlog. The backlog is the least lag (handled minus `sentAt`) among the heartbeats handled since
 * the last `expire`, less each agent's clock lead: the clocks are taken to agree (NTP) unless an
 * agent's heartbeats have arrived before they were sent, by the coordinator's clock, which then
 * cancels out. An agent clock behind the coordinator's counts as backlog (at most three timeouts),
 * but only while no agent with a good clock was heard in the same tick.
 */
import type { AgentMessage, RunningWorker } from '@orquesta/protocol';
import type { AgentView } from '../scheduler/cluster-view.js';
import type { AgentState } from '../store/rows.js';
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
  /**
   * A gap longer than this between two `expire` calls means the coordinator itself was stalled (its
   * event loop blocked): agents could not be heard meanwhile, so their silence clocks restart. 0: off.
   */
  readonly stallMs?: number;
}

/** Heartbeats with an unchanged worker list between two checks against the store (vanished workers, started ones). */
const FULL_CHECK_EVERY = 5;

interface Known {
  readonly view: AgentView;
  state: AgentState;
  lastSeen: number;
  /** The worker list of the last checked heartbeat, and heartbeats since the last check. */
  listing: string | undefined;
  beats: number;
  /** How far this agent's clock runs ahead of the coordinator's at least (the least negative heartbeat lag seen), ms; 0 when none was negative. */
  clockLead?: number;
}

/** The inbox backlog extends the agent timeout by at most this many timeouts. */
const MAX_BACKLOG_TIMEOUTS = 3;

export class AgentSessions {
  private readonly registered = new Set<string>();
  /** Agents shutting down: their workers stop with a checkpoint, nothing new is placed there. */
  private readonly draining = new Set<string>();
  /** Every agent the store knows, as the scheduler sees it, with its state and when it was last heard from. */
  private readonly known = new Map<string, Known>();
  /** Heartbeat times not yet written to the store (written in one transaction per `expire`). */
  private readonly unsaved = new Map<string, number>();
  /** When `expire` last ran. */
  private expiredAt: number | undefined;
  /** The least heartbeat lag, less the agent's clock lead, since the last `expire` (the control inbox's backlog), ms. */
  private backlog: number | undefined;
  /** When a backlog was last logged. */
  private backlogLoggedAt = -Infinity;

  constructor(private readonly state: AgentSessionsState) {
    for (const a of state.store.agents())
      this.known.set(a.id, {
        view: { id: a.id, host: a.host, slots: a.slots, gpus: a.gpus, ports: a.ports },
        state: a.state,
        lastSeen: a.lastSeen,
        listing: undefined,
        beats: 0,
      });
  }

  /** Whether `id` has registered with this coordinator process. */
  has(id: string): boolean {
    return this.registered.has(id);
  }

  /** Registered, alive agents that are not draining, as the scheduler sees them. */
  alive(): AgentView[] {
    const out: AgentView[] = [];
    for (const [id, a] of this.known) if (a.state === 'alive' && this.registered.has(id) && !this.draining.has(id)) out.push(a.view);
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Registers an agent (welcome), then takes its list of workers as a heartbeat. */
  hello(from: string, m: Extract<AgentMessage, { type: 'hello' }>, now: number): DaemonAction[] {
    const { store } = this.state;
    if (m.agent !== from)
      return [{ kind: 'send', to: from, message: { v: 1, type: 'reject', reason: `hello names agent ${m.agent} but arrived from ${from}` } }];
    const known = this.known.has(m.agent);
    store.upsertAgent({ id: m.agent, host: m.host, slots: m.slots, gpus: m.gpus, ports: m.ports });
    this.known.set(m.agent, {
      view: { id: m.agent, host: m.host, slots: m.slots, gpus: m.gpus, ports: m.ports },
      state: 'alive',
      lastSeen: now,
      listing: undefined,
      beats: 0,
    });
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
      // New capacity.
      { kind: 'reschedule' },
    ];
  }

  /** Any message from a registered, alive agent: it was alive when it sent it (its silence clock restarts). */
  heard(agent: string, now: number): void {
    const known = this.known.get(agent);
    if (known === undefined || known.state !== 'alive' || !this.registered.has(agent)) return;
    known.lastSeen = now;
    this.unsaved.set(agent, now);
  }

  /**
   * An agent's list of running workers: stale ones are killed, missing ones are gone; a draining agent
   * gets nothing new. Costs one indexed query (the agent's live workers) when its list changed, and
   * every FULL_CHECK_EVERY heartbeats otherwise (a worker the store believes runs here but the agent
   * stopped listing is then named within that many heartbeats); asks for a scheduling pass only when
   * capacity changed (the agent started draining).
   */
  heartbeat(agent: string, running: readonly RunningWorker[], now: number, draining = false, sentAt?: number): DaemonAction[] {
    const { store, runs } = this.state;
    const known = this.known.get(agent);
    if (known && sentAt !== undefined) {
      const lag = now - sentAt;
      known.clockLead = Math.max(known.clockLead ?? 0, -lag);
      this.backlog = Math.min(this.backlog ?? Infinity, lag + known.clockLead);
    }
    if (!this.registered.has(agent) || !known || known.state !== 'alive') {
      return [
        { kind: 'send', to: agent, message: { v: 1, type: 'reregister', reason: known?.state === 'lost' ? 'agent was declared lost' : 'unknown agent' } },
      ];
    }
    const actions: DaemonAction[] = [];
    this.heard(agent, now);
    if (draining && !this.draining.has(agent)) {
      this.draining.add(agent);
      store.addEvent({
        experimentId: null,
        trialId: null,
        kind: 'agent-draining',
        message: `agent ${agent} is draining: its ${running.length} worker(s) checkpoint and stop; nothing new is placed there`,
      });
      actions.push({ kind: 'log', line: `agent ${agent} draining` }, { kind: 'reschedule' });
    }
    // The same list as last time: nothing started or stopped here since; the store's side is checked every FULL_CHECK_EVERY heartbeats.
    const listing = running.map((w) => `${w.run}#${w.rank}`).join(' ');
    const beats = (known.beats = (known.beats + 1) % FULL_CHECK_EVERY);
    if (listing === known.listing && beats !== 0) return actions;
    known.listing = listing;
    const rows = new Map(store.liveWorkersOn(agent).map((w) => [`${w.run}#${w.rank}`, w]));
    const listed = new Set<string>();
    for (const w of running) {
      const key = `${w.run}#${w.rank}`;
      listed.add(key);
      const tracker = runs.get(w.run);
      if (!tracker || tracker.exited.has(w.rank)) {
        // A worker of no current run (an old attempt, or a trial that ended while we were away).
        actions.push({ kind: 'send', to: agent, message: { v: 1, type: 'stop-workers', run: w.run, mode: 'kill' } });
        continue;
      }
      if (rows.get(key)?.state === 'starting') store.workerStarted(w.run, w.rank, w.pid);
    }
    // Workers the store believes run on this agent but the agent does not list have vanished.
    for (const [key, worker] of rows) {
      const tracker = runs.get(worker.run);
      if (tracker && worker.state === 'running' && !listed.has(key) && !tracker.exited.has(worker.rank))
        actions.push({ kind: 'worker-gone', run: worker.run, rank: worker.rank, signal: 'vanished' });
    }
    return actions;
  }

  /** Declares agents lost that missed heartbeats for `agentTimeoutMs`; their workers are gone. Writes the heartbeat times heard since the last call. */
  expire(now: number): DaemonAction[] {
    const { store } = this.state;
    const stalled = this.expiredAt !== undefined && (this.state.stallMs ?? 0) > 0 && now - this.expiredAt > (this.state.stallMs ?? 0);
    const actions: DaemonAction[] = [];
    if (stalled) {
      // Heartbeats that arrived during the stall are still queued: give every agent a period to be heard.
      for (const agent of this.known.values()) agent.lastSeen = Math.max(agent.lastSeen, now - this.state.heartbeatMs);
      actions.push({ kind: 'log', line: `coordinator stalled for ${now - (this.expiredAt ?? now)} ms: agents' heartbeat clocks restarted` });
    }
    this.expiredAt = now;
    const backlog = Math.min(this.backlog ?? 0, MAX_BACKLOG_TIMEOUTS * this.state.agentTimeoutMs);
    this.backlog = undefined;
    if (backlog >= this.state.heartbeatMs && now - this.backlogLoggedAt >= 10_000) {
      this.backlogLoggedAt = now;
      actions.push({ kind: 'log', line: `control inbox ${backlog} ms behind: agent timeouts extended by as much` });
    }
    if (this.unsaved.size > 0) {
      store.touchAgents(this.unsaved);
      this.unsaved.clear();
    }
    for (const [id, agent] of this.known) {
      if (agent.state !== 'alive' || now - agent.lastSeen < this.state.agentTimeoutMs + backlog) continue;
      agent.state = 'lost';
      store.setAgentState(id, 'lost', agent.lastSeen);
      this.registered.delete(id);
      store.addEvent({
        experimentId: null,
        trialId: null,
        kind: 'agent-lost',
        message: `agent ${id} missed heartbeats for ${Math.round((now - agent.lastSeen) / 1000)} s`,
      });
      actions.push({ kind: 'log', line: `agent ${id} lost` }, { kind: 'agent-lost', agent: id });
    }
    return actions;
  }
}
