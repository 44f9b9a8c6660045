/**
 * Messages put aside by sender: a channel reading the inbox for one ring keeps what another ring's
 * left neighbour sent, for the channel that reads from that neighbour (see ChannelHost.stash).
 */
export class Stash<T extends { readonly sender: number }> {
  private readonly bySender = new Map<number, T[]>();

  /** The oldest message from `sender`, removed, or undefined. */
  take(sender: number): T | undefined {
    const queue = this.bySender.get(sender);
    const m = queue?.shift();
    if (queue?.length === 0) this.bySender.delete(sender);
    return m;
  }

  put(m: T): void {
    const queue = this.bySender.get(m.sender);
    if (queue === undefined) this.bySender.set(m.sender, [m]);
    else queue.push(m);
  }
}
