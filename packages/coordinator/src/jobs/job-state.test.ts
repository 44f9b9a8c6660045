import { describe, expect, it } from 'vitest';
import { experimentState, IllegalTransitionError, JOB_STATE, TERMINAL_STATES, transition, TRANSITIONS } from './job-state.js';

describe('job state machine', () => {
  it('records the cause of every allowed transition', () => {
    expect(transition('running', 'restarting', 'rank 1 exited with signal SIGKILL')).toEqual({
      kind: 'transition',
      from: 'running',
      to: 'restarting',
      cause: 'rank 1 exited with signal SIGKILL',
    });
  });

  it('refuses transitions outside the table, naming what is allowed', () => {
    expect(() => transition('queued', 'running', 'x')).toThrow(IllegalTransitionError);
    expect(() => transition('succeeded', 'queued', 'x')).toThrow(/it has ended/);
  });

  it('has no way out of a terminal state, and every state is reachable from queued', () => {
    for (const s of TERMINAL_STATES) expect(TRANSITIONS[s]).toEqual([]);
    const seen = new Set<string>(['queued']);
    const todo = ['queued'] as (keyof typeof TRANSITIONS)[];
    while (todo.length > 0)
      for (const next of TRANSITIONS[todo.pop()!])
        if (!seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
    expect([...seen].sort()).toEqual(Object.values(JOB_STATE).sort());
  });

  it('derives an experiment state from its trials', () => {
    expect(experimentState(['succeeded', 'failed'])).toBe('succeeded');
    expect(experimentState(['failed', 'cancelled'])).toBe('failed');
    expect(experimentState(['queued', 'running', 'succeeded'])).toBe('running');
    expect(experimentState(['paused', 'succeeded'])).toBe('paused');
    expect(experimentState(['preempted', 'paused'])).toBe('preempted');
  });

  it('counts a stopped trial (ASHA) as settled: the search ends with its best trials', () => {
    expect(experimentState(['stopped', 'succeeded', 'stopped'])).toBe('succeeded');
    expect(experimentState(['stopped', 'running'])).toBe('running');
    expect(experimentState(['stopped', 'cancelled'])).toBe('stopped');
    expect(experimentState(['stopped', 'failed'])).toBe('failed');
    expect(TRANSITIONS.stopped).toEqual(['queued', 'cancelled']);
    expect(() => transition('running', 'stopped', 'x')).toThrow(IllegalTransitionError); // only at a checkpoint
  });
});
