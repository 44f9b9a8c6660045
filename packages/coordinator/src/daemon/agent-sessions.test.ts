import type { AgentMessage } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import { StoreFixture } from '../testing/store-fixtures.js';
import { AgentSessions } from './agent-sessions.js';

const hello = (agent: string, running: Extract<AgentMessage, { type: 'hello' }>['running'] = []): Extract<AgentMessage, { type: 'hello' }> => ({
  v: 1,
  type: 'hello',
  agent,
  host: `${agent}.lan`,
  slots: 2,
  gpus: [],
  ports: [29500, 29509],
  running,
});

function sessions(stallMs = 0) {
  const f = new StoreFixture();
  return { f, s: new AgentSessions({ store: f.store, runs: f.runs, heartbeatMs: 1000, agentTimeoutMs: 5000, stallMs }) };
}

describe('AgentSessions', () => {
  it('welcomes a hello, records the agent and asks for a pass', () => {
    const { f, s } = sessions();
    const actions = s.hello('a', hello('a'), f.clock);
    expect(actions).toEqual([
      { kind: 'log', line: 'agent a registered (2 slots, 0 running workers)' },
      { kind: 'send', to: 'a', message: { v: 1, type: 'welcome', agent: 'a', heartbeatMs: 1000 } },
      { kind: 'reschedule' },
    ]);
    expect(s.alive()).toEqual([{ id: 'a', host: 'a.lan', slots: 2, gpus: [], ports: [29500, 29509] }]);
    expect(f.store.events(null).map((e) => e.message)).toEqual(['agent a at a.lan: 2 slot(s), 0 worker(s) running']);
  });

  it('rejects a hello that names another agent than its connection, recording nothing', () => {
    const { f, s } = sessions();
    expect(s.hello('a', hello('b'), f.clock)).toEqual([
      { kind: 'send', to: 'a', message: { v: 1, type: 'reject', reason: 'hello names agent b but arrived from a' } },
    ]);
    expect(f.store.agents()).toEqual([]);
  });

  it('asks an unknown agent to register again', () => {
    const { f, s } = sessions();
    expect(s.heartbeat('ghost', [], f.clock)).toEqual([{ kind: 'send', to: 'ghost', message: { v: 1, type: 'reregister', reason: 'unknown agent' } }]);
  });

  it('kills workers of no current run and names workers the agent no longer lists', () => {
    const { f, s } = sessions();
    const trial = f.queue('e');
    f.store.moveTrial(trial.id, 'queued', 'scheduled', 'placed', { attempt: 1 });
    const placed = f.store.trial(trial.id);
    f.track(placed);
    f.store.putWorkers(
      [0, 1].map((rank) => ({
        run: `${trial.id}.1`,
        trialId: trial.id,
        rank,
        agent: 'a',
        host: 'a.lan',
        port: 29500 + rank,
        slots: [rank],
        pid: null,
        state: 'starting' as const,
        exitCode: null,
        exitSignal: null,
      })),
    );
    s.hello('a', hello('a'), f.clock);
    // Both start; then the agent lists rank 0 and an old attempt's worker, but not rank 1.
    s.heartbeat(
      'a',
      [
        { run: `${trial.id}.1`, rank: 0, pid: 10 },
        { run: `${trial.id}.1`, rank: 1, pid: 11 },
      ],
      f.clock,
    );
    expect(f.store.workers(`${trial.id}.1`).map((w) => [w.rank, w.state, w.pid])).toEqual([
      [0, 'running', 10],
      [1, 'running', 11],
    ]);
    const actions = s.heartbeat(
      'a',
      [
        { run: `${trial.id}.1`, rank: 0, pid: 10 },
        { run: 'old.1', rank: 0, pid: 9 },
      ],
      f.clock,
    );
    expect(actions).toEqual([
      { kind: 'send', to: 'a', message: { v: 1, type: 'stop-workers', run: 'old.1', mode: 'kill' } },
      { kind: 'worker-gone', run: `${trial.id}.1`, rank: 1, signal: 'vanished' },
    ]);
    // A heartbeat that changes no capacity asks for no scheduling pass (the gone worker's exit does).
    f.store.workerExited(`${trial.id}.1`, 1, null, 'vanished');
    expect(s.heartbeat('a', [{ run: `${trial.id}.1`, rank: 0, pid: 10 }], f.clock)).toEqual([]);
  });

  it('declares an agent lost after agentTimeoutMs without heartbeats; it must register again', () => {
    const { f, s } = sessions();
    s.hello('a', hello('a'), f.clock);
    expect(s.expire(f.clock + 4999)).toEqual([]);
    expect(s.expire(f.clock + 5000)).toEqual([
      { kind: 'log', line: 'agent a lost' },
      { kind: 'agent-lost', agent: 'a' },
    ]);
    expect(s.alive()).toEqual([]);
    expect(s.heartbeat('a', [], f.clock + 6000)).toEqual([{ kind: 'send', to: 'a', message: { v: 1, type: 'reregister', reason: 'agent was declared lost' } }]);
  });

  it('does not blame agents for its own stall: a gap between expire calls longer than stallMs restarts their silence clocks', () => {
    const { f, s } = sessions(2500);
    s.hello('a', hello('a'), f.clock);
    s.hello('b', hello('b'), f.clock);
    expect(s.expire(f.clock + 500)).toEqual([]);
    // Blocked for 6 s: nobody could be heard; their queued heartbeats come next.
    expect(s.expire(f.clock + 6500)).toEqual([{ kind: 'log', line: "coordinator stalled for 6000 ms: agents' heartbeat clocks restarted" }]);
    s.heartbeat('a', [], f.clock + 6600);
    for (let t = 7000; t < 10_500; t += 500) expect(s.expire(f.clock + t)).toEqual([]);
    // b stays silent while the coordinator hears a: lost a timeout after the stall ended.
    s.heartbeat('a', [], f.clock + 10_400);
    expect(s.expire(f.clock + 10_500)).toEqual([
      { kind: 'log', line: 'agent b lost' },
      { kind: 'agent-lost', agent: 'b' },
    ]);
  });

  it('does not blame agents for a backlog in its inbox: heartbeats handled late extend the timeout by their lag', () => {
    const { f, s } = sessions();
    const t0 = f.clock;
    for (const id of ['a', 'b', 'c']) s.hello(id, hello(id), t0);
    // a's clock runs 300 ms ahead: its heartbeat arrives "before" it was sent, which cancels out from now on.
    s.heartbeat('a', [], t0 + 1000, false, t0 + 1300);
    s.heartbeat('b', [], t0 + 1000, false, t0 + 1000);
    s.heartbeat('c', [], t0 + 1000, false, t0 + 1000);
    expect(s.expire(t0 + 1000)).toEqual([]);
    // Then the inbox falls 4 s behind: what a and c sent at t0 + 2 s is handled at t0 + 6 s; b's is still queued.
    s.heartbeat('a', [], t0 + 6000, false, t0 + 2300);
    s.heartbeat('c', [], t0 + 6000, false, t0 + 2000);
    expect(s.expire(t0 + 6000)).toEqual([{ kind: 'log', line: 'control inbox 4000 ms behind: agent timeouts extended by as much' }]);
    expect(s.alive().map((a) => a.id)).toEqual(['a', 'b', 'c']);
    // The backlog cleared (fresh heartbeats from a and c) and b is still silent: lost, 5 s after it was last heard.
    s.heartbeat('a', [], t0 + 6500, false, t0 + 6800);
    s.heartbeat('c', [], t0 + 6500, false, t0 + 6500);
    expect(s.expire(t0 + 6500)).toEqual([
      { kind: 'log', line: 'agent b lost' },
      { kind: 'agent-lost', agent: 'b' },
    ]);
  });

  it('takes any message of an agent as a sign of life, and none from an agent declared lost', () => {
    const { f, s } = sessions();
    const t0 = f.clock;
    s.hello('a', hello('a'), t0);
    // No heartbeat handled for 8 s, but a's workers' reports were (its heartbeats queue behind them).
    s.heard('a', t0 + 4000);
    s.heard('a', t0 + 8000);
    expect(s.expire(t0 + 8500)).toEqual([]);
    expect(s.expire(t0 + 13_000)).toEqual([
      { kind: 'log', line: 'agent a lost' },
      { kind: 'agent-lost', agent: 'a' },
    ]);
    s.heard('a', t0 + 13_100);
    expect(s.alive()).toEqual([]);
  });

  it('counts a backlog from the first heartbeats after the hellos (a registration storm)', () => {
    const { f, s } = sessions();
    const t0 = f.clock;
    s.hello('a', hello('a'), t0);
    s.hello('b', hello('b'), t0);
    // a's first heartbeat, sent a second after its hello, is handled 5.5 s later; b's is still queued.
    s.heartbeat('a', [], t0 + 6500, false, t0 + 1000);
    expect(s.expire(t0 + 6500)).toEqual([{ kind: 'log', line: 'control inbox 5500 ms behind: agent timeouts extended by as much' }]);
    expect(s.alive().map((x) => x.id)).toEqual(['a', 'b']);
  });

  it('extends the timeout by at most three timeouts', () => {
    const { f, s } = sessions();
    const t0 = f.clock;
    s.hello('a', hello('a'), t0);
    s.hello('b', hello('b'), t0);
    s.heartbeat('a', [], t0 + 100, false, t0 + 100);
    expect(s.expire(t0 + 100)).toEqual([]);
    // a's heartbeats arrive a minute late from now on; b fell silent at t0.
    s.heartbeat('a', [], t0 + 20_000, false, t0 - 40_000);
    expect(s.expire(t0 + 20_000)).toEqual([
      { kind: 'log', line: 'control inbox 15000 ms behind: agent timeouts extended by as much' },
      { kind: 'log', line: 'agent b lost' },
      { kind: 'agent-lost', agent: 'b' },
    ]);
  });
});
