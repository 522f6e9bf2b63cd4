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

/**
 * TriggerMessage BootNotification asked per connection: a BootNotification on that connection after
 * the charger accepted it (within TRIGGERED_BOOT_WINDOW_MS) is the charger re-announcing itself,
 * not a reboot (StationService.boot). One boot takes it; a boot on another connection never does
 * (a reboot drops the connection). The trigger runs on the replica holding the socket, which is the
 * one the boot arrives at: kept in memory.
 */
@Injectable()
export class BootTriggers {
  private readonly asked = new Map<string, Asked>();

  /** We are sending the trigger `by` on `connectionId` (before the CALL goes: the answer may come at once). */
  sending(connectionId: string, by?: object): void {
    this.prune();
    let settle!: (accepted: boolean) => void;
    const outcome = new Promise<boolean>((resolve) => (settle = resolve));
    const entry: Asked = { outcome, settle: () => undefined, askedAt: Date.now(), ...(by ? { by } : {}) };
    entry.settle = (accepted) => {
      if (entry.settledAt !== undefined) return;
      entry.settledAt = Date.now();
      entry.accepted = accepted;
      settle(accepted);
    };
    this.asked.get(connectionId)?.settle(false);
    this.asked.set(connectionId, entry);
  }

  /**
   * The charger's answer (`Accepted` or not) or the call's failure (false) to the trigger `by`. An
   * older trigger's refusal or failure, once a newer one was sent on the connection, settles nothing:
   * the newer one's answer is still to come (that older one was settled refused then). Its acceptance
   * does: the boot it brings is no reboot, whatever the newer one's answer (queued behind it, the
   * newer one may be answered after that boot, or refused: the boot waited, then counted as a reboot).
   */
  answered(connectionId: string, accepted: boolean, by?: object): void {
    const entry = this.asked.get(connectionId);
    if (!entry) return;
    if (by === undefined || entry.by === undefined || entry.by === by) entry.settle(accepted);
    else if (accepted && entry.settledAt === undefined) entry.settle(true);
    else if (accepted && !entry.accepted) this.asked.set(connectionId, { outcome: Promise.resolve(true), settle: () => undefined, settledAt: Date.now(), askedAt: entry.askedAt, accepted: true, by });
  }

  /**
   * Whether a BootNotification on `connectionId` is the one we triggered; it takes the trigger, so a
   * later boot on the connection is judged on its own. `waitMs` bounds the wait for an answer in flight.
   */
  async takeFor(connectionId: string, waitMs = TRIGGER_ANSWER_WAIT_MS): Promise<boolean> {
    const entry = this.asked.get(connectionId);
    if (entry === undefined) return false;
    let timer: NodeJS.Timeout | undefined;
    const accepted =
      entry.settledAt !== undefined
        ? await entry.outcome
        : await Promise.race([entry.outcome, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)))]);
    if (timer !== undefined) clearTimeout(timer);
    if (entry.settledAt === undefined) return false; // still unanswered: left for a later boot
    if (this.asked.get(connectionId) === entry) this.asked.delete(connectionId);
    return accepted && Date.now() - entry.settledAt <= TRIGGERED_BOOT_WINDOW_MS;
  }

  get size(): number {
    return this.asked.size;
  }

  /** Triggers whose window is over, and those never answered: gone with the connection, or stale. */
  private prune(): void {
    const now = Date.now();
    for (const [id, e] of this.asked) {
      const since = e.settledAt ?? e.askedAt;
      if (now - since > TRIGGERED_BOOT_WINDOW_MS + (e.settledAt === undefined ? TRIGGERED_BOOT_WINDOW_MS : 0)) this.asked.delete(id);
    }
  }
}
