import { Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { StationContext } from '../connection/station-context.js';
import type { StationCapabilities } from '../stations/capabilities.js';
import { StationRepository } from '../stations/station.repository.js';
import { TransactionRepository } from '../transactions/transaction.repository.js';
import type { DesiredProfileRow } from './charging-profile.repository.js';
import { capCheckStillDue, capSessions, type CapCheck } from './cap-sessions.js';
import { CheckRetries } from './check-retry.js';
import { change } from './dispatch-order.js';
import type { BuiltProfile } from './profile-builder.js';
import { ProfileVerifier, type Verification } from './profile-verifier.js';
import { TxProfileSend } from './tx-profile-send.js';

/** A profile the charger accepted in a dispatch pass, in the form it took (`renewal`: the same lease again). */
export interface AcceptedProfile {
  row: DesiredProfileRow;
  sent: BuiltProfile;
  renewal: boolean;
}

/**
 * A connector's share of an emulated cap the charger took outside that connector's own accepted row:
 * id 99's share of a connector without a profile of its own, a share after the first in the shares
 * form (the first is the cap's own form), a refused plan's hold (`refused-plan.ts`). `row` is the
 * cap's row (whose plan it carries); `against`, the row its change is ordered by (the connector's
 * own, else the cap's: the limit its transaction was last given).
 */
export interface CarriedShare {
  row: DesiredProfileRow;
  share: BuiltProfile;
  against: DesiredProfileRow;
}

/**
 * What follows a profile the charger accepted: its check (`ProfileVerifier`), and for a connector's
 * TxDefaultProfile the running transaction. OCPP 1.6 §3.13.1 defines TxDefaultProfile as the default
 * for *new* transactions, and some firmware applies a changed one only from the next session on: a
 * limit cut during a session would then never reach the car. When the check finds the connector
 * above its limit while a transaction runs, the limit goes to that transaction as a TxProfile
 * (`forRunningTransaction`: fixed id per connector, pinned to the transaction, same level and end);
 * if the charger then obeys, that is learned (`txDefaultSkipsRunningTransaction`) and every later
 * limit for a connector in a transaction, lease renewals included, goes out both ways, and the
 * planner hears `applied` again after the `NotObeyed`. The charger deletes a TxProfile when its
 * transaction ends; the next one starts under the TxDefaultProfile.
 *
 * Which transaction runs is what the database knows now, which after a reconnect or boot lags behind
 * the charger: the pass runs at once while the charger's offline backlog is still being delivered,
 * and a session it started offline, under the defaults it held then, is not known yet. Its
 * StartTransaction, once recorded, is handled as a running transaction of the pass
 * (`startedUnderOlderDefault`, called by `started-under-older-default.ts`).
 */
@Injectable()
export class RunningTransactionCap {
  private readonly logger: Logger;
  /**
   * Stations a TxDefaultProfile (a connector's, an emulated cap's) was accepted for by a pass on this replica or through a
   * socket it holds (`defaultAccepted`): the only ones a StartTransaction arriving here can find
   * started under an older default. Never forgotten: a stale entry costs one lookup per start.
   */
  private readonly defaultsAccepted = new Set<string>();
  /** Stations whose need of a TxProfile a check learned during the `afterPass` under way (in the station's turn). */
  private readonly learnedInPass = new Set<string>();

  constructor(
    private readonly db: DataSource,
    private readonly transactions: TransactionRepository,
    private readonly stations: StationRepository,
    private readonly txProfiles: TxProfileSend,
    private readonly verifier: ProfileVerifier,
    private readonly outbox: OutboxWriter,
    private readonly retries: CheckRetries,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'ocpp-running-transaction-cap' });
  }

  defaultAccepted(stationId: string): void {
    this.defaultsAccepted.add(stationId);
  }

  mayHoldOlderDefault(stationId: string): boolean {
    return this.defaultsAccepted.has(stationId);
  }

  /**
   * After a dispatch pass: each accepted profile's follow-up (`afterAccepted`) and each carried share's
   * TxProfile, decreases first (`change`). On a tie a share goes first: id 99's check on connector 1
   * must see that connector's transaction already held. On a charger not known either way, the
   * emulated cap is checked where a session runs (`capSessions`). True as `afterAccepted`.
   */
  async afterPass(stationId: string, accepted: AcceptedProfile[], carried: CarriedShare[], caps: StationCapabilities, now: Date, ctx?: StationContext): Promise<boolean> {
    // Marked before this pass looks up running transactions: a start recorded too late for those lookups finds the mark.
    // Connector 0's too: an emulated station cap's share (id 99) is the default of the connectors without a plan.
    if (accepted.some((a) => a.sent.profile.chargingProfilePurpose === 'TxDefaultProfile')) this.defaultAccepted(stationId);
    // The cap checked again by this pass: an earlier pass's check still to be asked again is superseded.
    if (accepted.some((a) => a.row.connectorId === 0 && !a.renewal)) this.retries.cancel(stationId);
    const steps = [
      ...carried.map((c) => ({ key: change(c.against, c.share, now), run: () => this.carryShare(stationId, c, caps, ctx) })),
      ...accepted.map((a) => ({ key: change(a.row, a.sent, now), run: () => this.afterStep(stationId, a, carried, caps, ctx) })),
    ].sort((a, b) => (a.key === b.key ? 0 : a.key - b.key));
    let reopened = false;
    this.learnedInPass.delete(stationId);
    for (const step of steps) {
      // One failing (a lost call, the database) must not keep the others' transactions unheld.
      const again = await step.run().catch((err: unknown) => {
        this.logger.warn({ err, stationId }, 'charging profile verification failed');
        return false;
      });
      reopened ||= again;
    }
    this.learnedInPass.delete(stationId);
    return reopened;
  }

  /**
   * A share's TxProfile for the transaction running on its connector, on a charger known to apply
   * TxDefaultProfile to new transactions only (TxProfile overrides the defaults for its transaction,
   * §3.13.1: a cap's share lower than the transaction's older TxProfile would not reach it either).
   * Not checked: the cap's row holds the check of its own form.
   */
  private async carryShare(stationId: string, c: CarriedShare, caps: StationCapabilities, ctx?: StationContext): Promise<boolean> {
    if (!caps.txDefaultSkipsRunningTransaction) return false;
    const transactionId = await this.running(stationId, c.share.connectorId);
    return transactionId !== undefined && (await this.txProfiles.send(stationId, c.row, c.share, transactionId, 'known', ctx)).reopened;
  }

  /** An accepted profile's step of the pass: `afterAccepted`, or an emulated cap's check where a session runs (`capSessions`). */
  private async afterStep(stationId: string, a: AcceptedProfile, carried: CarriedShare[], caps: StationCapabilities, ctx?: StationContext): Promise<boolean> {
    // Learned by an earlier step of this pass (the cap's sessions, or a connector plan's): the rest goes
    // as on a charger known to need it, or each would publish its own NotObeyed and `applied` for the plan.
    const learned = !caps.txDefaultSkipsRunningTransaction && this.learnedInPass.has(stationId);
    const cap = caps.txDefaultSkipsRunningTransaction ? undefined : await capSessions(a, carried, (ids) => this.transactions.activeAt(this.db.manager, ids.map((connectorId) => ({ stationId, connectorId, at: new Date() }))));
    if (cap) return learned ? this.carryCap(stationId, cap, ctx) : this.checkCapWhereRunning(stationId, cap, ctx);
    return this.afterAccepted(stationId, a.row, a.sent, learned ? { ...caps, txDefaultSkipsRunningTransaction: true } : caps, { ctx, renewal: a.renewal });
  }

  /** The cap's sessions (`capSessions`) on a charger this pass learned needs a TxProfile: each gets its share (as `carryShare`), the row checked through the first. */
  private async carryCap(stationId: string, cap: CapCheck, ctx?: StationContext): Promise<boolean> {
    const { reopened, first } = await this.carryToSessions(stationId, cap.sessions, ctx);
    await this.verifier.verify(stationId, cap.accepted.row, first?.tx ?? cap.accepted.sent, { ctx, note: first && via(first.tx, first.transactionId) });
    return reopened;
  }

  /** Each session's share as its TxProfile (as `carryShare`), its transaction looked up again first: the calls before may have taken long enough for it to stop. */
  private async carryToSessions(stationId: string, sessions: CapCheck['sessions'], ctx?: StationContext): Promise<{ reopened: boolean; first?: { tx: BuiltProfile; transactionId: number } }> {
    let reopened = false;
    let first: { tx: BuiltProfile; transactionId: number } | undefined;
    for (const s of sessions) {
      const transactionId = await this.running(stationId, s.share.connectorId);
      if (transactionId === undefined) continue;
      const sent = await this.txProfiles.send(stationId, s.row, s.share, transactionId, 'known', ctx);
      reopened ||= sent.reopened;
      if (sent.tx) first ??= { tx: sent.tx, transactionId };
    }
    return { reopened, first };
  }

  /**
   * The cap's check where sessions run (`capSessions`) until one exceeds it (one passing may run under
   * an older, lower share: 10 A from a 20 A cap, raised since); held by a TxProfile there, the need is
   * learned and the other sessions get theirs (as `carryShare`). One unanswered does not stop the
   * others (a session elsewhere may keep an older, higher share): it is recorded as such and, unless
   * another showed the need, asked again later (`CheckRetries`; `attempt`, the retry this is).
   */
  private async checkCapWhereRunning(stationId: string, cap: CapCheck, ctx?: StationContext, attempt = 0): Promise<boolean> {
    const unanswered: { s: CapCheck['sessions'][number]; text: string; lacking: boolean }[] = [];
    for (const s of cap.sessions) {
      const checked = await this.checkAndCarry(stationId, cap.accepted.row, s.form, s.transactionId, ctx);
      if (checked.outcome === 'verified') continue;
      if (checked.outcome === 'unverifiable') {
        unanswered.push({ s, text: checked.text, lacking: checked.lacking });
        continue;
      }
      if (!checked.learned) return checked.reopened;
      return (await this.carryToSessions(stationId, cap.sessions.filter((x) => x !== s), ctx)).reopened || checked.reopened;
    }
    if (unanswered.length === 0) return false;
    // A passing session checked after must not hide it.
    const where = unanswered.map(({ s }) => `connector ${s.share.connectorId}, transaction ${s.transactionId}`).join('; ');
    await this.verifier.recordUnverifiable(stationId, cap.accepted.row, `${unanswered[0]!.text} (${where})`);
    const again: CapCheck = { ...cap, sessions: unanswered.map((u) => u.s) };
    // A charger without GetCompositeSchedule answers the same every time: asked again only where it may answer.
    if (unanswered.every((u) => u.lacking)) return false;
    if (!this.retries.schedule(stationId, attempt + 1, (c) => this.checkCapAgain(stationId, again, attempt + 1, c))) {
      this.logger.info({ stationId, planId: cap.accepted.row.planId, attempt }, 'emulated station cap left unverified where sessions run');
    }
    return false;
  }

  /** Retry `attempt` of the cap's unanswered checks for the sessions still running, while still due (`capCheckStillDue`); on a charger learned meanwhile to need it, their TxProfiles instead. */
  private async checkCapAgain(stationId: string, cap: CapCheck, attempt: number, ctx: StationContext | undefined): Promise<boolean> {
    if (!(await capCheckStillDue(this.db.manager, stationId, cap.accepted.row))) return false;
    const sessions: CapCheck['sessions'] = [];
    for (const s of cap.sessions) if ((await this.running(stationId, s.share.connectorId)) === s.transactionId) sessions.push(s);
    if (sessions.length === 0) return false;
    const caps = (await this.stations.capabilities(stationId)) as StationCapabilities;
    if (caps.txDefaultSkipsRunningTransaction) return (await this.carryToSessions(stationId, sessions, ctx)).reopened;
    return this.checkCapWhereRunning(stationId, { ...cap, sessions }, ctx, attempt);
  }

  /**
   * After the charger accepted `sent` for `row`; a renewal (same lease again) is not checked again.
   * True when the transaction's TxProfile went out for a plan the row no longer holds: the row is
   * pending again and its current plan must follow at once.
   */
  async afterAccepted(stationId: string, row: DesiredProfileRow, sent: BuiltProfile, caps: StationCapabilities, o: { ctx?: StationContext; renewal: boolean }): Promise<boolean> {
    // A renewal only matters here for a charger known to need the TxProfile: no lookup otherwise (renewals are periodic, for every station).
    if (o.renewal && !caps.txDefaultSkipsRunningTransaction) return false;
    const transactionId = connectorDefault(sent) ? await this.running(stationId, sent.connectorId) : undefined;
    if (transactionId !== undefined && caps.txDefaultSkipsRunningTransaction) {
      const { tx, reopened } = await this.txProfiles.send(stationId, row, sent, transactionId, 'known', o.ctx);
      if (!o.renewal) await this.verifier.verify(stationId, row, tx ?? sent, { ctx: o.ctx, note: tx && via(tx, transactionId) });
      return reopened;
    }
    if (o.renewal) return false;
    return (await this.checkAndCarry(stationId, row, sent, transactionId, o.ctx)).reopened;
  }

  /**
   * Transaction `transactionId`, whose StartTransaction was recorded after the charger accepted `row`
   * (`sent`, the connector's TxDefaultProfile) though it started before, under an older default: held
   * as the pass holds a running transaction. A charger known to need it gets the TxProfile at once,
   * checked, and the planner, if it heard `NotObeyed` for the row's plan (`notObeyed`), hears
   * `applied`; on one not known either way, the connector is checked as after the pass. True as
   * `afterAccepted`.
   */
  async startedUnderOlderDefault(stationId: string, row: DesiredProfileRow, sent: BuiltProfile, transactionId: number, notObeyed: boolean, caps: StationCapabilities, ctx?: StationContext): Promise<boolean> {
    if (!caps.txDefaultSkipsRunningTransaction) return (await this.checkAndCarry(stationId, row, sent, transactionId, ctx, true, notObeyed)).reopened;
    const { tx, reopened } = await this.txProfiles.send(stationId, row, sent, transactionId, 'known', ctx, true);
    if (tx) await this.confirm(stationId, row, tx, transactionId, { learn: false, announce: notObeyed, ctx });
    return reopened;
  }

  /**
   * Transaction `transactionId`, on a connector without a plan of its own, started before the charger
   * accepted the emulated station cap `row` (`share`: the cap's form on that connector): on a charger
   * known to need it, the share as its TxProfile, not checked, as a pass carries a share (`carryShare`);
   * on one not known either way, the cap checked there (the pass's check may have read an idle connector), `notObeyed` as above.
   */
  async shareStartedUnderOlderDefault(stationId: string, row: DesiredProfileRow, share: BuiltProfile, transactionId: number, notObeyed: boolean, caps: StationCapabilities, ctx?: StationContext): Promise<boolean> {
    if (!caps.txDefaultSkipsRunningTransaction) return (await this.checkAndCarry(stationId, row, share, transactionId, ctx, true, notObeyed)).reopened;
    return (await this.txProfiles.send(stationId, row, share, transactionId, 'known', ctx, true)).reopened;
  }

  /** The check of `sent`; above its limit during a transaction, the limit goes to it as a TxProfile, which if obeyed is learned as needed (`learned`). `announced`: as `ProfileVerifier.verify`. */
  private async checkAndCarry(stationId: string, row: DesiredProfileRow, sent: BuiltProfile, transactionId: number | undefined, ctx?: StationContext, readBefore = false, announced = false): Promise<{ outcome: Verification | 'superseded'; text: string; lacking: boolean; reopened: boolean; learned: boolean }> {
    const { outcome, text, lacking } = await this.verifier.check(stationId, row, sent, { ctx, announced });
    if (outcome !== 'exceeded' || transactionId === undefined) return { outcome, text, lacking, reopened: false, learned: false };
    const { tx, reopened } = await this.txProfiles.send(stationId, row, sent, transactionId, 'exceeded', ctx, readBefore);
    const learned = tx !== undefined && (await this.confirm(stationId, row, tx, transactionId, { learn: true, announce: true, ctx }));
    return { outcome, text, lacking, reopened, learned };
  }

  /**
   * The TxProfile the charger took for the transaction: checked; obeyed, a charger not known to need
   * it is so from now on (`learn`), and with `announce` the planner, which heard `NotObeyed`, hears
   * the station controlled again (and, not obeyed, no second `NotObeyed`). True when the charger obeys it.
   */
  private async confirm(stationId: string, row: DesiredProfileRow, tx: BuiltProfile, transactionId: number, o: { learn: boolean; announce: boolean; ctx?: StationContext }): Promise<boolean> {
    if ((await this.verifier.verify(stationId, row, tx, { ctx: o.ctx, note: via(tx, transactionId), announced: o.announce })) !== 'verified') return false;
    if (o.learn) {
      await this.stations.learnCapabilities(stationId, { txDefaultSkipsRunningTransaction: true });
      this.learnedInPass.add(stationId);
      this.logger.info({ stationId, connectorId: tx.connectorId, transactionId }, 'charger applies TxDefaultProfile to new transactions only; running transactions get a TxProfile');
    }
    if (!o.announce) return true;
    await this.db.transaction((m) =>
      this.outbox.enqueue(m, Subjects.OcppChargingProfileApplied, {
        stationId,
        connectorId: tx.connectorId,
        planId: row.planId ?? undefined,
        chargingProfileId: tx.profile.chargingProfileId,
        purpose: 'TxProfile',
        stackLevel: tx.profile.stackLevel,
        appliedAt: new Date().toISOString(),
      }),
    );
    return true;
  }

  private async running(stationId: string, connectorId: number): Promise<number | undefined> {
    const [id] = await this.transactions.activeAt(this.db.manager, [{ stationId, connectorId, at: new Date() }]);
    return id ?? undefined;
  }
}

/** A connector's own TxDefaultProfile: the default a transaction starts under, which some chargers keep for its whole length. */
function connectorDefault(b: BuiltProfile): boolean {
  return b.connectorId > 0 && b.profile.chargingProfilePurpose === 'TxDefaultProfile';
}

function via(tx: BuiltProfile, transactionId: number): string {
  return `via TxProfile ${tx.profile.chargingProfileId} for transaction ${transactionId}`;
}
