/**
 * A background job run every `everyMs` (and at once when asked), never twice at the same time
 * in this process; `stop()` waits for the run in progress, so shutdown never cuts one short, and
 * a long run (a pass over many chargers) can end early by checking `stopping` between its steps.
 * A failing run goes to `onError`, never into the timer.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(options: { runNow: boolean }): void {
    if (options.runNow) void this.runNow();
    this.timer = setInterval(() => void this.runNow(), this.everyMs);
    this.timer.unref();
  }

  /** Set once stop() is called. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Runs the job now, or waits for the run in progress; nothing once stopped. */
  runNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.run()
      .then(() => undefined, this.onError)
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
