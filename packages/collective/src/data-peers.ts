/**
 * The ranks a group member exchanges data frames with: whose frames it accepts (its left neighbour in
 * every ring it belongs to: the group's, and a hierarchy's host and cross-host rings) and whom the
 * running operation waits for (a hierarchical all-reduce waits on two rings at once), so a timeout can
 * name them.
 */
export class DataPeers {
  private readonly senders = new Set<number>();
  /** Awaited ranks, with how many of the operation's steps wait for each. */
  private readonly awaited = new Map<number, number>();

  constructor(left: number) {
    this.senders.add(left);
  }

  /** Whether data frames from `rank` are taken. */
  accepts(rank: number): boolean {
    return this.senders.has(rank);
  }

  /** Takes data frames from `ranks` from now on; returns the undo (which keeps ranks that were already taken). */
  accept(ranks: readonly number[]): () => void {
    const added = ranks.filter((r) => !this.senders.has(r));
    for (const r of added) this.senders.add(r);
    return () => {
      for (const r of added) this.senders.delete(r);
    };
  }

  /** The running operation waits for data from `rank`; returns the function to call once it stops waiting (idempotent). */
  awaiting(rank: number): () => void {
    this.awaited.set(rank, (this.awaited.get(rank) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.awaited.get(rank) ?? 1) - 1;
      if (left > 0) this.awaited.set(rank, left);
      else this.awaited.delete(rank);
    };
  }

  /** The ranks waited for now, ascending. */
  awaitedRanks(): number[] {
    return [...this.awaited.keys()].sort((a, b) => a - b);
  }
}
