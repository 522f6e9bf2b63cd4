/**
 * How long messages we asked for with TriggerMessage may pass the Pending gate. The window admits
 * every message of its action until it ends, not just the first: a StatusNotification trigger
 * without connectorId is answered with one notification per connector, connector 0 included
 * (guide §2.7), and the charger may send them in any number.
 */
export const TRIGGER_WINDOW_MS = 60_000;

/**
 * Open windows kept per action: each trigger has its own, and a station is asked for the same
 * message a few times at most within TRIGGER_WINDOW_MS. Beyond it the oldest ask is let go.
 */
export const MAX_WINDOWS_PER_ACTION = 8;

interface Window {
  until: number;
  /** The trigger's request that opened it: only its own refusal closes it. */
  by?: object;
}

/**
 * The actions a station's connection was asked to send with TriggerMessage, each with one window
 * per ask (the trigger's request) until it ends. Per ask: an older trigger the charger accepted
 * still brings its message when a newer one for the same message is refused.
 */
export class TriggeredActions {
  private readonly windows = new Map<string, Window[]>();

  /**
   * We asked for `action` (`expected`, `by` the trigger asking), or the charger refused the trigger
   * `by` (forgotten again). A refusal closes only the window its own trigger opened: another trigger
   * for the same message, older and accepted or newer and not answered yet, keeps its own.
   */
  expect(action: string, expected = true, by?: object): void {
    const now = Date.now();
    const open = (this.windows.get(action) ?? []).filter((w) => w.until > now);
    const others = open.filter((w) => !(w.by === by || (!expected && (by === undefined || w.by === undefined))));
    if (expected) others.push({ until: now + TRIGGER_WINDOW_MS, ...(by ? { by } : {}) });
    const kept = others.slice(-MAX_WINDOWS_PER_ACTION);
    if (kept.length > 0) this.windows.set(action, kept);
    else this.windows.delete(action);
  }

  /** Whether a message of `action` arriving now was asked for (windows that ended are dropped). */
  admits(action: string): boolean {
    const windows = this.windows.get(action);
    if (windows === undefined) return false;
    const now = Date.now();
    const open = windows.filter((w) => w.until > now);
    if (open.length === 0) this.windows.delete(action);
    else if (open.length < windows.length) this.windows.set(action, open);
    return open.length > 0;
  }
}
