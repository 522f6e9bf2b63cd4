/**
 * A background job run every `everyMs` (and at once when asked), never twice at the same time
 * in this process; `stop()` waits for the run in progress, so shutdown never cuts one short.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(options: { runNow: boolean }): void {
    if (options.runNow) this.tick();
    this.timer = setInterval(() => this.tick(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    this.running ??= this.run()
      .then(() => undefined, this.onError)
      .finally(() => (this.running = undefined));
  }
}
