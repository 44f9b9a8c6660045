/**
 * Micro-batching for serving: requests that arrive while a batch runs (or within `maxWaitMs` of the
 * first) go into the next batch, up to `maxBatch`, so concurrent clients share one forward pass per
 * decoding step instead of queueing one by one. One batch runs at a time; each request's promise
 * settles with its own result, or with the batch's error.
 */
export interface BatcherOptions {
  /** Most requests in one batch. */
  readonly maxBatch: number;
  /** How long the first request of a batch waits for others, ms (0: only those already waiting). */
  readonly maxWaitMs: number;
}

export class RequestBatcher<In, Out> {
  private readonly waiting: { readonly input: In; resolve(out: Out): void; reject(error: Error): void }[] = [];
  private running = false;
  /** Batches run and requests answered in them, since the start. */
  readonly served = { batches: 0, requests: 0 };
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** @param run one batch: its inputs in order -> their outputs in the same order. */
  constructor(
    private readonly run: (inputs: readonly In[]) => Promise<readonly Out[]>,
    private readonly options: BatcherOptions,
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Requests waiting for a batch. */
  get queued(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.running || this.timer !== undefined) return;
    if (this.waiting.length >= this.options.maxBatch || this.options.maxWaitMs <= 0) return void this.flush();
    this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.waiting.length === 0) return;
    this.running = true;
    const batch = this.waiting.splice(0, this.options.maxBatch);
    this.served.batches++;
    this.served.requests += batch.length;
    this.run(batch.map((b) => b.input))
      .then(
        (outputs) => batch.forEach((b, i) => b.resolve(outputs[i] as Out)),
        (error: unknown) => batch.forEach((b) => b.reject(error instanceof Error ? error : new Error(String(error)))),
      )
      .finally(() => {
        this.running = false;
        // What arrived during the batch goes next, at once.
        if (this.waiting.length > 0) this.flush();
      });
  }
}
