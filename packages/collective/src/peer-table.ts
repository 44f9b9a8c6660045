/**
 * What one rank knows about each of its peers: whether it connected (said hello), the last operation it
 * is known to have entered, whether it closed its group (and after which operation), or was lost.
 */
export class PeerTable {
  readonly peers: readonly number[];
  private readonly connected = new Set<number>();
  private readonly entered = new Map<number, number>();
  private readonly departed = new Map<number, number>();
  private readonly lostPeers = new Set<number>();

  constructor(rank: number, worldSize: number) {
    this.peers = Array.from({ length: worldSize }, (_, r) => r).filter((r) => r !== rank);
  }

  connect(peer: number): void {
    this.connected.add(peer);
    this.enter(peer, 0);
  }

  /** Peers that have not said hello yet. */
  silent(): number[] {
    return this.peers.filter((p) => !this.connected.has(p));
  }

  /** Records that `peer` has entered operation `seq` (or a later one). */
  enter(peer: number, seq: number): void {
    if ((this.entered.get(peer) ?? -1) < seq) this.entered.set(peer, seq);
  }

  /** Peers not known to have entered operation `seq`. */
  absentFrom(seq: number): number[] {
    return this.peers.filter((p) => (this.entered.get(p) ?? -1) < seq);
  }

  depart(peer: number, lastSeq: number): void {
    this.departed.set(peer, lastSeq);
  }

  hasDeparted(peer: number): boolean {
    return this.departed.has(peer);
  }

  /** A peer that closed its group before operation `seq`, with the last operation it completed. */
  departedBefore(seq: number): { peer: number; lastSeq: number } | undefined {
    for (const [peer, lastSeq] of this.departed) if (lastSeq < seq) return { peer, lastSeq };
    return undefined;
  }

  /** Marks `peer` lost; false when it was already lost or had closed its group. */
  lose(peer: number): boolean {
    if (this.departed.has(peer) || this.lostPeers.has(peer)) return false;
    this.lostPeers.add(peer);
    return true;
  }

  get lost(): ReadonlySet<number> {
    return this.lostPeers;
  }

  /** Peers that can still receive a message: not lost, not closed. */
  reachable(): number[] {
    return this.peers.filter((p) => !this.lostPeers.has(p) && !this.departed.has(p));
  }

  /** Every peer that ever connected has closed its group or was lost. */
  allGone(): boolean {
    return this.peers.every((p) => this.departed.has(p) || this.lostPeers.has(p) || !this.connected.has(p));
  }
}
