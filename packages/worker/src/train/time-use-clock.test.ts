import { describe, expect, it } from 'vitest';
import { TimeUseClock } from './time-use-clock.js';

describe('TimeUseClock', () => {
  it('adds the time between transitions to what the worker was doing, and the running part when read', () => {
    let now = 1500; // the process started 1.5 s ago
    const clock = new TimeUseClock(() => now);
    clock.enter('steps');
    now += 2000;
    clock.enter('other');
    now += 100;
    clock.enter('checkpoint');
    now += 50;
    clock.enter('steps');
    now += 1000;
    expect(clock.read()).toEqual({ startup: 1.5, steps: 3, evaluation: 0, checkpoint: 0.05, other: 0.1 });
  });
});
