/**
 * Hands messages to one ZeroMQ socket one at a time, in order (a socket allows a single pending
 * send). Unlike the data plane, the control plane keeps going after a failed send: the failure is
 * reported and the next message is tried.
 */
export class SerialSender {
  private readonly queue: Buffer[][] = [];
  private pumping = false;

  constructor(
    private readonly send: (frames: Buffer[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  push(frames: Buffer[]): void {
    this.queue.push(frames);
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    for (let frames = this.queue.shift(); frames !== undefined; frames = this.queue.shift()) {
      try {
        await this.send(frames);
      } catch (error) {
        this.onError(error);
      }
    }
    this.pumping = false;
  }
}
