/**
 * How long messages we asked for with TriggerMessage may pass the Pending gate. The window admits
 * every message of its action until it ends, not just the first: a StatusNotification trigger
 * without connectorId is answered with one notification per connector, connector 0 included
 * (guide §2.7), and the charger may send them in any number.
 */
export const TRIGGER_WINDOW_MS = 60_000;

/** The actions a station's connection was asked to send with TriggerMessage, each until its window ends. */
export class TriggeredActions {
  private readonly until = new Map<string, number>();

  /** We asked for `action` (`expected`), or the charger refused the trigger (forgotten again). */
  expect(action: string, expected = true): void {
    if (expected) this.until.set(action, Date.now() + TRIGGER_WINDOW_MS);
    else this.until.delete(action);
  }

  /** Whether a message of `action` arriving now was asked for (a window that ended is dropped). */
  admits(action: string): boolean {
    const expires = this.until.get(action);
    if (expires === undefined) return false;
    if (expires > Date.now()) return true;
    this.until.delete(action);
    return false;
  }
}
