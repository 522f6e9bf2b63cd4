import type { Logger } from 'pino';

/**
 * A pass over the chargers this replica holds, run every `everyMs` in the background (the timer
 * does not keep the process alive); a pass still running when the next is due makes that one a
 * no-op, and a failing pass is logged, not thrown into the timer.
 */
export abstract class PeriodicPass {
  private timer?: NodeJS.Timeout;
  private running = false;

  protected abstract readonly logger: Logger;
  /** What the log says failed. */
  protected abstract readonly what: string;

  protected abstract pass(): Promise<void>;

  protected startEvery(everyMs: number): void {
    this.timer = setInterval(() => void this.run(), everyMs);
    this.timer.unref();
  }

  protected stop(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.pass();
    } catch (err) {
      this.logger.error({ err }, `${this.what} failed`);
    } finally {
      this.running = false;
    }
  }
}
