import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import { SessionRegistry } from '../connection/session-registry.js';
import type { StationContext } from '../connection/station-context.js';

/** Times an unverifiable check is asked again before it waits for the next plan, reconnect or boot. */
export const CHECK_RETRY_ATTEMPTS = 4;

/**
 * The wait before retry `attempt` (1-based) of an unverifiable check: `firstMs`, doubled at each
 * attempt (a charger busy or restarting its metering answers later, not at once); undefined once the
 * attempts are spent, or with retries off (`firstMs` 0).
 */
export function checkRetryDelayMs(attempt: number, firstMs: number): number | undefined {
  if (firstMs <= 0 || !Number.isInteger(attempt) || attempt < 1 || attempt > CHECK_RETRY_ATTEMPTS) return undefined;
  return firstMs * 2 ** (attempt - 1);
}

interface Retry {
  timer?: NodeJS.Timeout;
}

/** Runs work in the station's turn of the dispatch passes (`LimitDispatcher.inTurn`). */
export type StationTurn = <T>(stationId: string, work: () => Promise<T>) => Promise<T>;

/**
 * Checks of accepted profiles that got no usable answer (a timeout, a CallError, `Rejected`), asked
 * again later (`OCPP_PROFILE_CHECK_RETRY_MS`, doubling, `CHECK_RETRY_ATTEMPTS`): at most one pending
 * per station on the replica whose pass checked, the latest scheduled replacing it. A pass runs on
 * whichever replica took the plan's event, through the bus when another holds the socket: its retry
 * goes the same way (else, with two replicas, half the checks would never be asked again). Scheduled
 * with the socket here, it runs only while this same socket stays; scheduled through the bus, only
 * while the socket is not here: a station that reconnected (here or anywhere) gets everything sent
 * and checked again by its reconnect pass, and one offline answers the retry `Offline` (unverifiable
 * again, within the attempts). Run in the station's turn, so never beside a pass of this replica; a
 * pass checking the station's cap again cancels it (`cancel`), a retry found stale by then (cancelled,
 * replaced) does nothing. In memory: a restart loses it, and the next plan or reconnect checks anew.
 */
@Injectable()
export class CheckRetries implements OnModuleDestroy {
  private readonly logger: Logger;
  private readonly firstMs: number;
  /** Per station, the retry pending (its timer) or waiting for its turn (fired): it runs only if still the one here. */
  private readonly pending = new Map<string, Retry>();
  private readonly underway = new Set<Promise<void>>();
  private turn: StationTurn = (_stationId, work) => work();
  private again: (stationId: string) => Promise<void> = async () => undefined;
  private stopping = false;

  constructor(
    private readonly registry: SessionRegistry,
    @Inject(APP_CONFIG) config: OcppConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-check-retry' });
    this.firstMs = config.OCPP_PROFILE_CHECK_RETRY_MS;
  }

  /**
   * Wiring (the module, which sees the dispatcher without an import cycle): retries run in `turn`;
   * `again` sends the station's current plan when a retry's TxProfile found its row reopened (a newer
   * plan's, replaced on the charger by ours).
   */
  runIn(turn: StationTurn, again: (stationId: string) => Promise<void>): void {
    this.turn = turn;
    this.again = again;
  }

  /**
   * Retry `attempt` (1-based) of the station's check: `run` with the socket (undefined: through the
   * bus, as the pass went), true when the current plan must be sent again. False when not scheduled:
   * attempts spent, retries off, or stopping.
   */
  schedule(stationId: string, attempt: number, run: (ctx: StationContext | undefined) => Promise<boolean>): boolean {
    const delay = checkRetryDelayMs(attempt, this.firstMs);
    const ctx = this.registry.get(stationId);
    if (delay === undefined || this.stopping) return false;
    this.cancel(stationId);
    const entry: Retry = {};
    entry.timer = setTimeout(() => this.fire(stationId, ctx, entry, run), delay);
    entry.timer.unref();
    this.pending.set(stationId, entry);
    return true;
  }

  /** The station's retry, pending or waiting for its turn, is dropped (a newer check supersedes it). */
  cancel(stationId: string): void {
    const entry = this.pending.get(stationId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(stationId);
  }

  /** Until no retry is running or waiting for its turn (timers not fired yet are not waited for). */
  async settled(): Promise<void> {
    while (this.underway.size > 0) await Promise.all([...this.underway]);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    for (const stationId of [...this.pending.keys()]) this.cancel(stationId);
    await this.settled();
  }

  private fire(stationId: string, ctx: StationContext | undefined, entry: Retry, run: (ctx: StationContext | undefined) => Promise<boolean>): void {
    delete entry.timer;
    const current = () => !this.stopping && this.pending.get(stationId) === entry && this.registry.get(stationId) === ctx;
    if (!current()) return;
    const work: Promise<void> = this.turn(stationId, async () => {
      // A pass that ran meanwhile checked again (cancelled it), or the socket closed.
      if (!current()) return false;
      this.pending.delete(stationId);
      return run(ctx);
    })
      .then((reopened) => {
        // After the turn (chained): the pass takes its own.
        if (reopened) void this.again(stationId).catch((err: unknown) => this.logger.error({ err, stationId }, 'could not send the current plan again'));
      })
      .catch((err: unknown) => this.logger.warn({ err, stationId }, 'charging profile check asked again failed'))
      .finally(() => this.underway.delete(work));
    this.underway.add(work);
  }
}
