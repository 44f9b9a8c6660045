/**
 * Rendezvous of Slurm tasks: each rank of a run joins with its endpoint; when all have, the round is
 * complete and a later join (a Slurm requeue) starts a new one. Remembers who joined, so the
 * coordinator accepts their reports.
 */
export interface RendezvousMember {
  readonly from: string;
  readonly endpoint: string;
}

export class RendezvousRounds {
  private readonly rounds = new Map<string, { worldSize: number; members: Map<number, RendezvousMember>; complete: boolean }>();
  private readonly joined = new Set<string>();

  /** @returns every member in rank order once the round is complete, else undefined. */
  join(run: string, worldSize: number, rank: number, member: RendezvousMember): RendezvousMember[] | undefined {
    let round = this.rounds.get(run);
    if (!round || round.complete) {
      round = { worldSize, members: new Map(), complete: false };
      this.rounds.set(run, round);
    }
    round.members.set(rank, member);
    this.joined.add(member.from);
    if (round.members.size < round.worldSize) return undefined;
    round.complete = true;
    const members = round.members;
    return Array.from({ length: round.worldSize }, (_, r) => members.get(r) as RendezvousMember);
  }

  /** Whether this routing id joined some round. */
  has(from: string): boolean {
    return this.joined.has(from);
  }

  forget(run: string): void {
    this.rounds.delete(run);
  }
}
