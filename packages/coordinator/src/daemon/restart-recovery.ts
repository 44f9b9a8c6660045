/**
 * A coordinator started on a store with active trials: scheduling waits until every agent that holds
 * one of their workers has registered again (its hello lists its workers), or until the grace period
 * ends, whichever comes first; then workers whose agent never came back are gone. Without agents to
 * wait for (no active trial, or only Slurm tasks) there is no wait.
 *
 *   waiting --the last awaited agent says hello, or the grace period ends--> done
 */
import type { TrialRow } from '../store/rows.js';

export class RestartRecovery {
  /** Epoch ms the wait ends at the latest; 0 once done. */
  private until: number;
  private readonly awaited: Set<string>;

  /** @param agents ids of the agents the store knows (Slurm tasks' routing ids are not among them). */
  constructor(active: readonly TrialRow[], agents: readonly string[], now: number, graceMs: number) {
    const known = new Set(agents);
    this.awaited = new Set(active.flatMap((t) => (t.placement?.workers ?? []).map((w) => w.agent)).filter((a) => known.has(a)));
    this.until = this.awaited.size > 0 ? now + graceMs : 0;
  }

  /** Scheduling waits. */
  get waiting(): boolean {
    return this.until !== 0;
  }

  /** Agents still awaited. */
  get missing(): number {
    return this.awaited.size;
  }

  /** `agent` registered again. @returns true when that ended the wait. */
  heard(agent: string): boolean {
    if (!this.waiting || !this.awaited.delete(agent) || this.awaited.size > 0) return false;
    this.until = 0;
    return true;
  }

  /** @returns true when the grace period ended the wait at `now`. */
  due(now: number): boolean {
    if (!this.waiting || now < this.until) return false;
    this.until = 0;
    return true;
  }
}
