import { describe, expect, it } from 'vitest';
import { FakeClock } from './testing/fake-clock.js';
import { Watchdog } from './watchdog.js';

function watched(timeoutMs: number): { clock: FakeClock; dog: Watchdog; log: string[] } {
  const clock = new FakeClock();
  const log: string[] = [];
  const dog = new Watchdog(clock, timeoutMs, { suspect: () => log.push(`suspect@${clock.now()}`), expire: () => log.push(`expire@${clock.now()}`) });
  return { clock, dog, log };
}

describe('Watchdog', () => {
  it('suspects at half the timeout and expires at the timeout without progress', async () => {
    const { clock, dog, log } = watched(1000);
    dog.start();
    await clock.advance(5000);
    expect(log).toEqual(['suspect@500', 'expire@1000']);
  });

  it('measures the timeout from the last progress', async () => {
    const { clock, dog, log } = watched(1000);
    dog.start();
    await clock.advance(400);
    dog.progress();
    await clock.advance(400);
    dog.progress();
    await clock.advance(999);
    expect(log).toEqual(['suspect@1300']);
    await clock.advance(1);
    expect(log).toEqual(['suspect@1300', 'expire@1800']);
  });

  it('stays silent once stopped', async () => {
    const { clock, dog, log } = watched(1000);
    dog.start();
    dog.stop();
    await clock.advance(5000);
    expect(log).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
