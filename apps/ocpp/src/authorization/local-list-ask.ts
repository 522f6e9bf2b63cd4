import { MAX_OCPP_COMMAND_TIMEOUT_MS } from '@cpo/contracts';
import type { Logger } from 'pino';
import { askOwner, CLAIM_MARGIN_MS, renewing } from './local-list-claim.js';
import type { Settlement } from './local-list-pending.js';
import type { AskClaim, LocalListSyncRepository } from './local-list-sync.repository.js';
import type { DroppedUpdate, LocalListRepository } from './local-list.repository.js';

/** What one GetLocalListVersion may record, decided before it went out (LocalListAsks.before). */
type Ticket = (AskClaim & { owner: string; stop?: () => Promise<void> }) | { kind: 'unclaimed'; why: string };

/**
 * A GetLocalListVersion's answer is recorded (and settles an update left unanswered) only under the
 * list's claim, as a sync round's update is decided and a repair asks: the claim is looked at before
 * the call goes out, on the replica holding the socket, whoever asked (an operator over REST or the
 * bus, or a repair). An answer given while nothing else holds the list (the call's own claim), or
 * while only another ask does (a repair: nothing is sent meanwhile), is recorded if that claim still
 * holds when it is written; recorded late, after another replica's repair and sync moved the list on,
 * it stored the old version over the new one. One given while a sync holds the list (its update may
 * still reach the charger) is not recorded: the holder decides, and an update left unanswered is
 * settled by the repair, which asks again under the claim. The call never waits for the claim: the
 * operator gets the charger's answer as it is, at once. A CallError saying the charger cannot
 * answer at all drops the pending update (LocalListRepository.versionUnavailable): a change of the
 * list like a recorded version, so under the same rule.
 */
export class LocalListAsks {
  /** Keyed by the command's payload: the executor hands the same object to its before-hook and to its outcome's effects. */
  private readonly tickets = new WeakMap<object, Ticket>();

  constructor(
    private readonly claims: LocalListSyncRepository,
    private readonly lists: LocalListRepository,
    private readonly callTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Before the call: one try at the claim. Never throws: a command is not refused for the list's bookkeeping. */
  async before(stationId: string, payload: object): Promise<void> {
    const owner = askOwner();
    // The lease covers the default call timeout; renewed until the outcome is recorded, so a longer
    // operator timeout (up to the contract's cap) or a slow record keeps it too.
    const leaseMs = this.callTimeoutMs + CLAIM_MARGIN_MS;
    let ticket: Ticket;
    try {
      const claim = await this.claims.claimAsk(stationId, owner, leaseMs);
      const stop =
        claim.kind === 'own'
          ? renewing(
              () => this.claims.renew(stationId, owner, leaseMs),
              (err) => this.logger.warn({ err, stationId }, 'GetLocalListVersion: its claim of the local list could not be renewed; it lapses a lease after the last renewal'),
              MAX_OCPP_COMMAND_TIMEOUT_MS + CLAIM_MARGIN_MS,
            )
          : undefined;
      ticket = { ...claim, owner: claim.kind === 'under' ? claim.owner : owner, stop };
    } catch (err) {
      this.logger.warn({ err, stationId }, 'GetLocalListVersion: the local list could not be claimed; its answer is not recorded');
      ticket = { kind: 'unclaimed', why: 'the list could not be claimed' };
    }
    this.tickets.set(payload, ticket);
  }

  /** The charger answered: its version recorded where the claim allows it. Returns the settlement of the pending update, if it settled one. */
  async answered(stationId: string, payload: object, version: number): Promise<Settlement | undefined> {
    const ticket = this.take(payload);
    try {
      const under = recordsUnder(ticket);
      if ('why' in under) {
        this.notRecorded(stationId, version, under.why);
        return undefined;
      }
      const result = await this.lists.reported(stationId, version, under.holder, under.seen);
      if (result.recorded) return result.settled;
      this.notRecorded(stationId, version, PASSED_ON);
      return undefined;
    } finally {
      await this.done(stationId, ticket);
    }
  }

  /**
   * The call got no answer: its claim, if it took one, is released. `unavailable`, the charger's
   * CallError code saying it cannot answer at all: the pending update is dropped where the claim
   * allows it (as an answer is recorded). Returns the update dropped, if one was.
   */
  async failed(stationId: string, payload: object, unavailable: string | undefined): Promise<DroppedUpdate | undefined> {
    const ticket = this.take(payload);
    try {
      if (unavailable === undefined) return undefined;
      const under = recordsUnder(ticket);
      if ('why' in under) {
        this.notDropped(stationId, unavailable, under.why);
        return undefined;
      }
      const result = await this.lists.versionUnavailable(stationId, under.holder, under.seen);
      if (result.recorded) return result.dropped;
      this.notDropped(stationId, unavailable, PASSED_ON);
      return undefined;
    } finally {
      await this.done(stationId, ticket);
    }
  }

  private take(payload: object): Ticket {
    const ticket = this.tickets.get(payload) ?? { kind: 'unclaimed', why: 'no claim was looked at before the call' };
    this.tickets.delete(payload);
    return ticket;
  }

  private async done(stationId: string, ticket: Ticket): Promise<void> {
    if (ticket.kind !== 'own') return;
    await ticket.stop?.();
    await this.claims.releaseRepair(stationId, ticket.owner, ticket.tookOver);
  }

  private notDropped(stationId: string, code: string, why: string): void {
    this.logger.info(
      { stationId, code, why },
      'local list pending update not dropped although the charger does not answer GetLocalListVersion: the holder of the list decides what it holds; the repair asks again under the claim and drops it then',
    );
  }

  private notRecorded(stationId: string, reportedVersion: number, why: string): void {
    this.logger.info(
      { stationId, reportedVersion, why },
      'local list version reported but not recorded: the holder of the list decides what it holds; an unanswered update is settled by the repair, which asks again under the claim',
    );
  }
}

const PASSED_ON = 'the claim it was asked under passed to another holder, or another outcome was recorded, before it was recorded';

/** Under which claim (holder and last outcome seen, see LocalListRepository.reported) a ticket's outcome is recorded, or why it is not. */
function recordsUnder(ticket: Ticket): { holder: string | null; seen: string | null } | { why: string } {
  if (ticket.kind === 'unclaimed') return { why: ticket.why };
  if (ticket.kind === 'busy') return { why: `a sync holds the list (${ticket.claim})` };
  return { holder: ticket.kind === 'unlisted' ? null : ticket.owner, seen: ticket.seen };
}
