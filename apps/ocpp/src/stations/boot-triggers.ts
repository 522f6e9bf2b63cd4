import { Injectable } from '@nestjs/common';

/** How long after the charger accepted our trigger its BootNotification counts as the triggered one. */
export const TRIGGERED_BOOT_WINDOW_MS = 60_000;
/**
 * How long a boot waits for the answer to a trigger still in flight on its connection: the answer
 * may be on the wire before the boot while its effects are not recorded yet, and a charger may send
 * the boot before its answer. Bounded: a charger that answers only after its boot is answered must
 * not wait for our call timeout (its boot is then taken as a reboot, the safe side).
 */
export const TRIGGER_ANSWER_WAIT_MS = 5_000;

interface Asked {
  /** Resolves true once the charger accepted, false once it refused or the call failed. */
  outcome: Promise<boolean>;
  settle: (accepted: boolean) => void;
  /** When the outcome was recorded (epoch ms), or undefined while in flight. */
  settledAt?: number;
  /** The outcome once recorded. */
  accepted?: boolean;
  askedAt: number;
  /** The trigger's request: only its own answer settles it. */
  by?: object;
}

/** Boot triggers kept per connection: a few at most within the window; beyond it the oldest is let go. */
export const MAX_BOOT_TRIGGERS_PER_CONNECTION = 8;

/**
 * TriggerMessage BootNotification asked per connection: a BootNotification on that connection after
 * the charger accepted it (within TRIGGERED_BOOT_WINDOW_MS) is the charger re-announcing itself,
 * not a reboot (StationService.boot). Each trigger is kept on its own: an accepted one no boot took
 * yet still brings its boot when a newer one is sent, then refused or never answered. One boot
 * takes one accepted trigger; a boot on another connection never does (a reboot drops the
 * connection). The trigger runs on the replica holding the socket, which is the one the boot
 * arrives at: kept in memory.
 */
@Injectable()
export class BootTriggers {
  private readonly asked = new Map<string, Asked[]>();

  /** We are sending the trigger `by` on `connectionId` (before the CALL goes: the answer may come at once). */
  sending(connectionId: string, by?: object): void {
    this.prune();
    const entries = this.asked.get(connectionId) ?? [];
    // The same request sent again replaces its own; beyond the bound the oldest is let go. A boot
    // waiting for one let go unanswered is not kept waiting for it (settled refused).
    const kept = entries.filter((e) => e.by !== by);
    kept.push(asked(by));
    const dropped = kept.splice(0, Math.max(0, kept.length - MAX_BOOT_TRIGGERS_PER_CONNECTION));
    for (const e of [...entries.filter((e) => e.by === by), ...dropped]) e.settle(false);
    this.asked.set(connectionId, kept);
  }

  /**
   * The charger's answer (`Accepted` or not) or the call's failure (false) to the trigger `by`: it
   * settles that trigger only. An older one's refusal leaves a newer one in flight; a newer one's
   * refusal leaves an older one the charger accepted, whose boot is still to come.
   */
  answered(connectionId: string, accepted: boolean, by?: object): void {
    const entries = this.asked.get(connectionId) ?? [];
    const own = entries.find((e) => e.by === by) ?? (by === undefined ? entries.findLast((e) => e.settledAt === undefined) : entries.find((e) => e.by === undefined && e.settledAt === undefined));
    if (own) own.settle(accepted);
    else if (accepted) {
      // Let go meanwhile (pruned unanswered, or beyond the bound): its acceptance still brings a boot.
      const entry = asked(by);
      entry.settle(true);
      this.asked.set(connectionId, [...entries, entry].slice(-MAX_BOOT_TRIGGERS_PER_CONNECTION));
    }
  }

  /**
   * Whether a BootNotification on `connectionId` is one we triggered; it takes one accepted trigger,
   * so a later boot on the connection is judged on its own. Without an accepted one, it waits for
   * the triggers in flight (at most `waitMs`) until one is accepted or all are refused; those still
   * unanswered are left for a later boot.
   */
  async takeFor(connectionId: string, waitMs = TRIGGER_ANSWER_WAIT_MS): Promise<boolean> {
    if (this.take(connectionId)) return true;
    const inFlight = (this.asked.get(connectionId) ?? []).filter((e) => e.settledAt === undefined);
    if (inFlight.length === 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const acceptedOne = new Promise<void>((resolve) => {
      for (const e of inFlight) void e.outcome.then((accepted) => accepted && resolve());
    });
    const allSettled = Promise.all(inFlight.map((e) => e.outcome));
    await Promise.race([acceptedOne, allSettled, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    if (timer !== undefined) clearTimeout(timer);
    return this.take(connectionId);
  }

  /** Connections with triggers kept. */
  get size(): number {
    return this.asked.size;
  }

  /** Takes the connection's oldest accepted trigger within its window (drops those refused or over). */
  private take(connectionId: string): boolean {
    const entries = this.asked.get(connectionId);
    if (entries === undefined) return false;
    const now = Date.now();
    const live = entries.filter((e) => e.settledAt === undefined || (e.accepted === true && now - e.settledAt <= TRIGGERED_BOOT_WINDOW_MS));
    const taken = live.findIndex((e) => e.accepted === true);
    if (taken >= 0) live.splice(taken, 1);
    if (live.length > 0) this.asked.set(connectionId, live);
    else this.asked.delete(connectionId);
    return taken >= 0;
  }

  /** Triggers whose window is over, and those never answered: gone with the connection, or stale. */
  private prune(): void {
    const now = Date.now();
    for (const [id, entries] of this.asked) {
      const kept = entries.filter((e) => now - (e.settledAt ?? e.askedAt) <= TRIGGERED_BOOT_WINDOW_MS + (e.settledAt === undefined ? TRIGGERED_BOOT_WINDOW_MS : 0));
      if (kept.length > 0) this.asked.set(id, kept);
      else this.asked.delete(id);
    }
  }
}

/** A trigger in flight, settled once by its answer. */
function asked(by?: object): Asked {
  let settle!: (accepted: boolean) => void;
  const outcome = new Promise<boolean>((resolve) => (settle = resolve));
  const entry: Asked = { outcome, settle: () => undefined, askedAt: Date.now(), ...(by ? { by } : {}) };
  entry.settle = (accepted) => {
    if (entry.settledAt !== undefined) return;
    entry.settledAt = Date.now();
    entry.accepted = accepted;
    settle(accepted);
  };
  return entry;
}
