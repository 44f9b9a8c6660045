/**
 * A worker's process group across peer recoveries. Generation 0 is the group the run started with;
 * each recovery forms the next one on the same endpoints, ordered by the launcher (regroup-orders.ts):
 *
 *   running --the group breaks (CollectiveError) or a leave order--> leave: abandon the group (no frame of
 *   it survives), rewind the data to the interrupted step's start, report `regroup` (holds state, step)
 *   --join order--> open group g+1, share the state of the most advanced rank (share-state.ts), report
 *   `recovered` (rank 0) --> running
 *
 * A replacement worker starts at `join`: it reports `regroup` without state once its data and model are
 * loaded, and takes the state the survivors share.
 */
import type { ProcessGroup } from '@orquesta/collective';
import type { TimeUse, WorkerReport } from '@orquesta/protocol';
import type { RegroupOrders } from './regroup-orders.js';
import { shareState, type RecoveringData, type RecoveringTrainer, type SharedState } from './share-state.js';

export interface GroupGenerationsOptions {
  readonly rank: number;
  /**
   * Opens (binds, connects, hellos) a group; forming may take `connectTimeoutMs`. `endpoints` (by rank)
   * replace the ones the group opened on before (a replacement moved to another slot or node).
   */
  readonly open: (connectTimeoutMs: number, endpoints?: readonly string[]) => Promise<ProcessGroup>;
  readonly orders: RegroupOrders;
  /** Longest a recovery may wait for its join order and for the group to form, in ms (fault_tolerance.replacement_timeout_s). */
  readonly timeoutMs: number;
  readonly report: (report: WorkerReport) => void;
  readonly log: (line: string) => void;
  /** A stop was requested (signal): stop waiting for orders. */
  readonly stopped: () => boolean;
}

/** What a recovery needs of the trainer beyond sharing state: moving to the new group. */
export interface RegroupingTrainer extends RecoveringTrainer {
  useGroup(group: ProcessGroup): void;
}

export class GroupGenerations {
  private current: ProcessGroup | undefined;
  private gen: number;

  constructor(
    private readonly options: GroupGenerationsOptions,
    /** The generation this worker starts in: 0, or the one a replacement joins. */
    generation: number,
  ) {
    this.gen = generation;
    // A leave order reaches a rank that has not yet seen its group break (busy computing): its next
    // collective fails at once instead of waiting for a peer that is gone.
    options.orders.onLeave((generation) => {
      if (generation > this.gen) void this.current?.abandon();
    });
  }

  get group(): ProcessGroup {
    if (!this.current) throw new Error('no process group is open');
    return this.current;
  }

  get generation(): number {
    return this.gen;
  }

  /**
   * Opens the first group. A replacement first says it is ready (no state) and waits for its join order.
   * @throws {PeerRecoveryError} no join order in time. @throws the collective's errors while forming.
   */
  async open(replacement: boolean): Promise<ProcessGroup> {
    if (replacement) {
      this.options.report({ v: 1, type: 'regroup', rank: this.options.rank, generation: this.gen, holds: false, step: 0 });
      this.options.log(
        `replacement: data and model ready ${(performance.now() / 1000).toFixed(2)} s after the process started; waiting to form process group ${this.gen}`,
      );
      const endpoints = await this.options.orders.joined(this.gen, this.options.timeoutMs, this.options.stopped);
      this.current = await this.options.open(this.options.timeoutMs, endpoints);
      return this.current;
    }
    this.current = await this.options.open(this.options.timeoutMs);
    return this.current;
  }

  /**
   * After the group broke (`cause`): leave it keeping state, rewind `data` to `rewindTo` (the data
   * state before an interrupted step; undefined when no step was running), wait for the next generation
   * and take the most advanced rank's state.
   * @throws {PeerRecoveryError} no join order in time, or no rank holds state. @throws the collective's errors.
   */
  async recover(
    cause: Error,
    trainer: RegroupingTrainer,
    data: RecoveringData,
    rewindTo: unknown,
    time: TimeUse | undefined,
  ): Promise<SharedState & { seconds: number }> {
    const began = performance.now();
    const next = this.gen + 1;
    await this.current?.abandon();
    this.current = undefined;
    if (rewindTo !== undefined) data.restore(rewindTo);
    const { rank, log, report } = this.options;
    log(`peer recovery: ${cause.message}; keeping the state of step ${trainer.step}, waiting to form process group ${next}`);
    report({ v: 1, type: 'regroup', rank, generation: next, holds: true, step: trainer.step, ...(time ? { time } : {}) });
    const endpoints = await this.options.orders.joined(next, this.options.timeoutMs, this.options.stopped);
    const ordered = performance.now();
    this.gen = next;
    if (endpoints) log(`peer recovery: process group ${next} forms on new endpoints ${endpoints.join(' ')}`);
    this.current = await this.options.open(this.options.timeoutMs, endpoints);
    trainer.useGroup(this.current);
    const formed = performance.now();
    const shared = await shareState(this.current, trainer, data, true);
    const s = (a: number, b: number) => ((b - a) / 1000).toFixed(2);
    log(
      `peer recovery: waited ${s(began, ordered)} s for the join order, formed the group in ${s(ordered, formed)} s, shared the state in ${s(formed, performance.now())} s`,
    );
    return { ...shared, seconds: (performance.now() - began) / 1000 };
  }

  /** A replacement's state, from the survivors (after `open(true)`). */
  async receiveState(trainer: RecoveringTrainer, data: RecoveringData): Promise<SharedState> {
    return shareState(this.group, trainer, data, false);
  }

  close(): Promise<void> {
    return this.current?.close() ?? Promise.resolve();
  }
}
