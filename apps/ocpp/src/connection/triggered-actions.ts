/**
 * How long messages we asked for with TriggerMessage may pass the Pending gate. The window admits
 * every message of its action until it ends, not just the first: a StatusNotification trigger
 * without connectorId is answered with one notification per connector, connector 0 included
 * (guide §2.7), and the charger may send them in any number.
 */
export const TRIGGER_WINDOW_MS = 60_000;

/**
 * The actions a station's connection was asked to send with TriggerMessage, each until its window
 * ends, with the ask (the trigger's request) that opened it last.
 */
export class TriggeredActions {
  private readonly windows = new Map<string, { until: number; by?: object }>();

  /**
   * We asked for `action` (`expected`, `by` the trigger asking), or the charger refused the trigger
   * `by` (forgotten again). A refusal closes only the window its own trigger opened: a newer trigger
   * for the same message opened its own since (an older call's answer arriving after our timeout).
   */
  expect(action: string, expected = true, by?: object): void {
    if (expected) {
      this.windows.set(action, { until: Date.now() + TRIGGER_WINDOW_MS, ...(by ? { by } : {}) });
      return;
    }
    const window = this.windows.get(action);
    if (window && (by === undefined || window.by === undefined || window.by === by)) this.windows.delete(action);
  }

  /** Whether a message of `action` arriving now was asked for (a window that ended is dropped). */
  admits(action: string): boolean {
    const window = this.windows.get(action);
    if (window === undefined) return false;
    if (window.until > Date.now()) return true;
    this.windows.delete(action);
    return false;
  }
}
