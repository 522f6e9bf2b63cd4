import { Inject, Injectable } from '@nestjs/common';
import { KeyedTurns, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { StationContext } from '../connection/station-context.js';
import { StationRepository } from '../stations/station.repository.js';
import { ChargingProfileRepository, type DesiredProfileRow } from './charging-profile.repository.js';
import { change, fewestPhases } from './dispatch-order.js';
import { ConnectorSplits } from './connector-splits.js';
import { connectorsToShare } from './emulated-cap.js';
import { LeaseFallback } from './lease-fallback.js';
import { passForms, type Forms } from './pass-forms.js';
import type { BuiltProfile } from './profile-builder.js';
import { appliedLease, leased, ProfileOutcomes } from './profile-outcomes.js';
import { holdRefusedPlan } from './refused-plan.js';
import { RunningTransactionCap, type AcceptedProfile } from './running-transaction-cap.js';
import { StationCaller } from './station-caller.js';
import { ProfileSend } from './profile-send.js';
import { sendWithWholeAmperes, type DispatchCapabilities } from './whole-amperes.js';

interface DispatchOptions {
  all: boolean;
  ctx?: StationContext;
  renewLeasesOlderThanS?: number;
  /** The cap and every connector profile go again, split over the connectors known now. */
  resplit?: boolean;
}

/**
 * Makes chargers obey their desired limits: builds each profile for the charger's capabilities,
 * sends decreases before increases, each with its fallbacks when a form is refused (`profile-send.ts`:
 * stack level 1 → 0, a refused ChargePointMaxProfile emulated per connector), leases connector profiles where the
 * charger has stack levels (see `lease-fallback.ts`), and records and publishes every outcome
 * (`profile-outcomes.ts`); what
 * it accepted is then checked, and carried into running transactions where the charger needs that
 * (`running-transaction-cap.ts`).
 */
@Injectable()
export class LimitDispatcher {
  constructor(
    private readonly profiles: ChargingProfileRepository,
    private readonly stations: StationRepository,
    private readonly caller: StationCaller,
    private readonly runningTransactions: RunningTransactionCap,
    private readonly sender: ProfileSend,
    private readonly leaseFallback: LeaseFallback,
    private readonly outcomes: ProfileOutcomes,
    private readonly splits: ConnectorSplits,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Passes (and `inTurn` work) one at a time per station. */
  private readonly turns = new KeyedTurns();
  /** Stations where the charger accepted a superseded plan's profile in the running pass: the row is pending again. */
  private readonly reopened = new Set<string>();

  /**
   * Sends the station's pending profiles (or all of them after a reconnect/boot, when the charger may
   * have lost them; with `renewLeasesOlderThanS` also the leased ones due for renewal). Where the
   * station cap is emulated (`emulated-cap.ts`), a new cap goes out with every connector profile,
   * since each of them carries its share; so does `resplit` (a connector beyond the split reported, see
   * `connector-splits.ts`), with the cap as if due.
   *
   * One pass per station at a time on this replica: a pass started while another runs (a new plan,
   * the retry pass, a renewal, a reconnect) reads the rows after it, so it neither sends the same
   * pending profile again (a second `applied` event for one profile, which the planner counts as
   * another answer to the plan) nor an older plan it read before the newer one was stored.
   */
  dispatch(stationId: string, options: DispatchOptions): Promise<void> {
    return this.inTurn(stationId, () => this.pass(stationId, options));
  }

  /**
   * Runs `work` in the station's turn: after the pass (or turn) under way, before any queued after
   * it, none meanwhile. For work on the station's profiles outside a pass (a session started under an
   * older default) that a pass would otherwise do too, or undo. `work` must not await a pass itself.
   */
  inTurn<T>(stationId: string, work: () => Promise<T>): Promise<T> {
    return this.turns.run(stationId, work);
  }

  private async pass(stationId: string, options: DispatchOptions): Promise<void> {
    const rows = await this.profiles.forStation(stationId, options.renewLeasesOlderThanS);
    let caps = (await this.stations.capabilities(stationId)) as DispatchCapabilities;
    const { due, forms } = passForms(rows, options, () => caps, () => this.splits.over(stationId, () => this.profiles.recordSplit(stationId, connectorsToShare(caps, 0))));
    if (due.length === 0) return;
    const now = new Date();
    const first = await Promise.all(due.map(async (row) => ({ row, built: await this.sender.form(row, caps, now, this.sender.leaseFor(caps), forms) })));
    const keyed = first.map((q) => ({ ...q, key: change(q.row, q.built, now) }));
    const queue = keyed.sort((a, b) => (a.key === b.key ? 0 : a.key - b.key)).map((q) => q.row);
    // The form each profile was last accepted in, by profile id (a profile sent again keeps its latest).
    const accepted = new Map<number, AcceptedProfile>();
    const tried = new Map<number, boolean>(); // profile id → accepted, in this pass
    // Connectors whose last form was a lease: once the cap is emulated their fallback goes (a
    // connector's own level-0 profile would replace the cap's share when the limit above it ends).
    const leasedBefore = new Set(rows.filter(appliedLease).map((r) => r.connectorId));
    for (let i = 0; i < queue.length; i++) {
      const row = queue[i]!;
      // A renewal is the same lease again; a profile sent because a new cap changed its share is news.
      const renewal = row.state === 'applied' && !options.all && row.due === 'lease';
      const leaseS = this.sender.leaseFor(caps);
      if (forms.emulating() && leasedBefore.delete(row.connectorId)) await this.leaseFallback.clear(stationId, row.connectorId, options.ctx);
      // Built now, not up front: a refusal earlier in this pass may have changed the form.
      let form = await this.sender.form(row, caps, now, leaseS, forms);
      // After a reconnect or boot (`all`) the charger may have lost its fallback: one sent before this pass does not count.
      const fallback = { ctx: options.ctx, phases: fewestPhases(form), ...(options.all ? { since: now } : {}) };
      if (leaseS > 0 && leased(form) && !(await this.leaseFallback.ensure(stationId, form.connectorId, caps, now, fallback))) {
        // Without its fallback underneath, a lapsing lease would leave the connector unlimited: no end then.
        form = await this.sender.form(row, caps, now, 0, forms);
      }
      const onLateApplied = (sent: BuiltProfile) => this.afterLateAccept(stationId, row, sent, renewal, options.ctx);
      const outcome = await this.sender.send(stationId, row, form, caps, now, forms, { ctx: options.ctx, renewal, onLateApplied });
      if (outcome.stale) this.reopened.add(stationId);
      if (outcome.sent) accepted.set(row.chargingProfileId, { row, sent: outcome.sent, renewal });
      if (outcome.sent && leased(outcome.sent)) leasedBefore.add(row.connectorId);
      tried.set(row.chargingProfileId, outcome.sent !== undefined);
      if (row.connectorId > 0 && (outcome.refused || outcome.sent) && (await this.afterPlan(stationId, row, outcome.refused === true, caps, now, forms, options.ctx, queue.slice(i + 1).some((r) => r.connectorId === 0)))) {
        caps = { ...caps, wholeAmperesOnly: true };
      }
      // Learned just now: the rest of this pass builds with it too, or each later connector would get
      // a fallback installed, a level-1 try refused and the fallback cleared before its level-0 form.
      if (outcome.onlyStackLevelZero) caps = { ...caps, onlyStackLevelZero: true };
      if (outcome.wholeAmperes) caps = { ...caps, wholeAmperesOnly: true };
      if (outcome.zeroRefused) caps = { ...caps, connectorZeroDefaultRefused: true };
      if (outcome.capRefused || outcome.zeroRefused) {
        caps = { ...caps, chargePointMaxProfileRefused: true };
        // Every connector profile must carry its share now (and, without the connector-0 default,
        // keep it past its plan's end): those sent before the refusal or not due in this pass go
        // (again) after the ones still queued, which are built with it.
        // (One refused or unanswered in this pass is left to its retry.)
        const ahead = new Set(queue.slice(i + 1).map((r) => r.chargingProfileId));
        const again = rows.filter((r) => r.connectorId > 0 && !ahead.has(r.chargingProfileId) && (tried.has(r.chargingProfileId) ? tried.get(r.chargingProfileId) : r.state !== 'rejected'));
        queue.push(...again.map((r) => ({ ...r, due: 'unapplied' as const })));
      }
    }
    // After every profile is out (a decrease must not wait for a check): what the charger applies now,
    // and the running transactions of chargers that apply a TxDefaultProfile to new ones only.
    if (await this.runningTransactions.afterPass(stationId, [...accepted.values()], forms.carried, caps, now, options.ctx)) this.reopened.add(stationId);
    // Split over a count another replica's re-split has since raised (a connector reported on the
    // socket's replica while this pass, on another, was sending): these shares went out after that
    // re-split's smaller ones, and the charger allows more than the cap until they go again. A count
    // raised by statuses on this replica is the re-split loop's (`connector-resplit.ts`), read after
    // the query so that a status committed meanwhile is counted there, not split twice.
    const splitUsed = forms.splitUsed();
    if (splitUsed !== undefined && (await this.splitOvertaken(stationId, await splitUsed)) && !this.splits.behind(stationId)) {
      this.logger.info({ stationId }, 'the emulated station cap was split over more connectors while this pass sent its shares; they go again');
      void this.dispatch(stationId, { all: false, resplit: true }).catch((err: unknown) => this.logger.error({ err, stationId }, 'could not split the emulated station cap again'));
    }
    if (this.reopened.delete(stationId)) {
      // The charger now holds an older plan's limit, possibly above the newer one's (an emergency cut
      // overtaken by a renewal or a pass on another replica that read the rows before it): the newer
      // plan goes again at once, not at the next retry pass. After this pass (chained), on whatever
      // socket the station has then.
      void this.dispatch(stationId, { all: false }).catch((err: unknown) => this.logger.error({ err, stationId }, 'could not send the current plan again'));
    }
  }

  /**
   * A connector's plan the charger took or refused: where the cap is emulated, a refused one is held to its share (`refused-plan.ts`), by the cap's own send if still queued (a lower cap's share or id 99 must not be preceded by the old, higher one).
   * True when the share was taken in whole amperes only: learned, for the rest of the pass too.
   */
  private async afterPlan(stationId: string, row: DesiredProfileRow, refused: boolean, caps: DispatchCapabilities, now: Date, forms: Forms, ctx: StationContext | undefined, capAhead: boolean): Promise<boolean> {
    forms[refused ? 'planned' : 'refused'].delete(row.connectorId);
    forms[refused ? 'refused' : 'planned'].add(row.connectorId);
    if (!refused || !forms.emulating() || capAhead) return false;
    const sentAt = new Date();
    let whole = false;
    const failure = await holdRefusedPlan(row.connectorId, {
      sharesForm: caps.connectorZeroDefaultRefused === true,
      share: async () => (await this.sender.shareForms(caps, now, forms, [row.connectorId]))[0]!,
      send: async (b) => {
        const sent = await sendWithWholeAmperes(b, (x) => this.caller.setProfile(stationId, x, ctx));
        whole ||= sent.wholeAmperes;
        return sent;
      },
      clear: (id) => this.caller.call(stationId, 'ClearChargingProfile', { id }, { ctx }),
    });
    // The share the running transaction gets below is built again: in the form the charger took.
    if (whole) await this.stations.learnCapabilities(stationId, { wholeAmperesOnly: true });
    const learned = whole ? { ...caps, wholeAmperesOnly: true } : caps;
    // Held (its share, or id 99's once cleared): so is its running transaction. Not held, the cap is
    // exceeded on that connector: the cap's failure, retried as the cap (whose shares include the connector).
    if (!failure) forms.carried.push({ row: forms.capRow!, share: (await this.sender.shareForms(learned, now, forms, [row.connectorId]))[0]!, against: row });
    else await this.outcomes.record(stationId, forms.capRow!, failure.form, failure.reply, false, sentAt);
    return whole;
  }

  /**
   * A profile the charger accepted after our timeout, recorded applied (`ProfileOutcomes.recordLate`):
   * the follow-up a pass gives an accepted one (its check, its running transaction's TxProfile), in
   * the station's turn, after the pass under way. A superseded plan it showed the charger took goes again.
   */
  private afterLateAccept(stationId: string, row: DesiredProfileRow, sent: BuiltProfile, renewal: boolean, ctx: StationContext | undefined): void {
    void this.inTurn(stationId, async () => {
      const caps = (await this.stations.capabilities(stationId)) as DispatchCapabilities;
      return this.runningTransactions.afterPass(stationId, [{ row, sent, renewal }], [], caps, new Date(), ctx);
    })
      .then((reopened) => (reopened ? this.dispatch(stationId, { all: false }) : undefined))
      .catch((err: unknown) => this.logger.error({ err, stationId }, 'could not follow up a charging profile accepted after the timeout'));
  }

  /** Never throws: the shares are out and recorded, so a failed check must not skip the rest of the pass (a reopened plan); a later status or pass re-splits. */
  private async splitOvertaken(stationId: string, n: number): Promise<boolean> {
    try {
      // `known` includes a NumberOfConnectors raised since this pass read it (a GetConfiguration answer on the
      // socket's replica), whose re-split may have recorded its count before this pass wrote its lower one over it.
      const now = await this.profiles.splitOf(stationId);
      return now !== undefined && Math.max(now.split, now.known) > n;
    } catch (err) {
      this.logger.warn({ err, stationId }, 'could not check whether the emulated station cap was split over more connectors meanwhile');
      return false;
    }
  }
}
