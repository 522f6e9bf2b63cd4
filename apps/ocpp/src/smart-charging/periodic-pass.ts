import type { Logger } from 'pino';

/**
 * A pass over the chargers this replica holds, run every `everyMs` in the background (the timer
 * does not keep the process alive); a pass still running when the next is due makes that one a
 * no-op, and a failing pass is logged, not thrown into the timer. Stopped (at shutdown) before the
 * sockets close: stop() waits for the running pass, which checks `stopping` between chargers, so
 * no pass calls a charger being moved to another replica (recording it Offline) or writes after
 * the database has closed.
 */
export abstract class PeriodicPass {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  protected abstract readonly logger: Logger;
  /** What the log says failed. */
  protected abstract readonly what: string;

  protected abstract pass(): Promise<void>;

  protected startEvery(everyMs: number): void {
    this.timer = setInterval(() => void this.run(), everyMs);
    this.timer.unref();
  }

  /** Set once stop() is called: a pass ends after the charger it is at. */
  protected get stopping(): boolean {
    return this.stopped;
  }

  protected async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a pass now, or waits for the one running; nothing once stopped. */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass()
      .catch((err: unknown) => this.logger.error({ err }, `${this.what} failed`))
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
