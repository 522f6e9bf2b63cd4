import { Inject, Injectable } from '@nestjs/common';
import type { OcppCommandReply } from '@cpo/contracts';
import { APP_CONFIG } from '@cpo/platform';
import type { OcppConfig } from '../config.js';
import type { StationContext } from '../connection/station-context.js';
import { StationRepository } from '../stations/station.repository.js';
import { clearShares, heldByShares, sendShares, shareConnectors } from './cap-shares.js';
import type { DesiredProfileRow } from './charging-profile.repository.js';
import { emulateStationCap } from './emulated-cap.js';
import { LeaseFallback } from './lease-fallback.js';
import type { Forms } from './pass-forms.js';
import { leaseFor, profileFor, shareProfiles } from './pass-profiles.js';
import { connectorProfileId, EMULATED_CAP_PROFILE_ID, type BuiltProfile } from './profile-builder.js';
import { lateAcceptCounts } from './late-accept.js';
import { leased, ProfileOutcomes } from './profile-outcomes.js';
import { refusedByCharger } from './refused-plan.js';
import { StationCaller } from './station-caller.js';
import { inWholeAmperes, learnedForm, sendWithWholeAmperes, type DispatchCapabilities } from './whole-amperes.js';

/** The answer for a cap whose shares all live in the connectors' own profiles (every connector has a plan): no CALL of its own. */
const CARRIED_BY_PLANS: OcppCommandReply = { status: 'ok', payload: { status: 'Accepted' } };

/** What one profile's send came to, for the rest of the pass (`LimitDispatcher`). */
export interface SendOutcome {
  /** The form the charger accepted and we recorded. */
  sent?: BuiltProfile;
  /** A connector's plan the charger refused (held to its share by the pass where the cap is emulated). */
  refused?: boolean;
  capRefused?: boolean;
  zeroRefused?: boolean;
  onlyStackLevelZero?: boolean;
  wholeAmperes?: boolean;
  /** The charger took a plan superseded meanwhile: the newer one must go again. */
  stale?: boolean;
}

/**
 * One desired profile onto the charger, with every fallback a real charger needs (stack level 1 →
 * 0, a refused ChargePointMaxProfile emulated per connector, connector 0 refused → the connectors'
 * own shares, decimals refused → whole amperes), learning each quirk as it shows, and the outcome
 * recorded and published (`profile-outcomes.ts`). The pass around it (`limit-dispatcher.ts`)
 * decides the order and what the rest of the pass builds with.
 */
/** A send's own time, its hook for a form accepted after our timeout, and where it reports the form it ended on (ProfileSend.send). */
interface LateTracking {
  sentAt: Date;
  accepted: (form: BuiltProfile) => () => void;
  recorded: (r: { form: BuiltProfile; reply: OcppCommandReply }) => void;
}

@Injectable()
export class ProfileSend {
  constructor(
    private readonly stations: StationRepository,
    private readonly caller: StationCaller,
    private readonly leaseFallback: LeaseFallback,
    private readonly outcomes: ProfileOutcomes,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
  ) {}

  form(row: DesiredProfileRow, caps: DispatchCapabilities, now: Date, leaseS: number, forms: Forms): Promise<BuiltProfile> {
    return profileFor(row, caps, now, leaseS, forms, this.config.OCPP_NOMINAL_VOLTAGE_V);
  }

  shareForms(caps: DispatchCapabilities, now: Date, forms: Forms, only?: number[]): Promise<BuiltProfile[]> {
    return shareProfiles(caps, now, forms, this.config.OCPP_NOMINAL_VOLTAGE_V, only);
  }

  leaseFor(caps: DispatchCapabilities): number {
    return leaseFor(caps, this.config.OCPP_PROFILE_LEASE_S);
  }

  /**
   * Sends one profile (with fallbacks) and records the outcome; returns the form the charger accepted,
   * whether it refused the station cap as a ChargePointMaxProfile just now (learned, and sent
   * emulated), whether it just showed it takes stack level 0 only, and whether it just showed it
   * takes whole amperes only (both learned), and whether the charger took a superseded plan (`stale`). Each form goes in whole amperes too if refused for its
   * decimals, before the next fallback (why that order: `sendWithWholeAmperes`). The form it ended on
   * unanswered, accepted late on this replica's socket, is recorded then (`ProfileOutcomes.recordLate`)
   * and, recorded applied, handed to `onLateApplied` for the pass's follow-up.
   */
  async send(
    stationId: string,
    row: DesiredProfileRow,
    built: BuiltProfile,
    caps: DispatchCapabilities,
    now: Date,
    forms: Forms,
    o: { ctx?: StationContext; renewal: boolean; onLateApplied?: (sent: BuiltProfile) => void },
  ): Promise<SendOutcome> {
    // What this send recorded, once it did: a form accepted after our timeout counts only if the
    // send ended on it (`lateAcceptCounts`), recorded after the timeout's failure, never before it.
    let recorded: { form: BuiltProfile; reply: OcppCommandReply } | undefined;
    let settled!: () => void;
    const outcomeRecorded = new Promise<void>((resolve) => (settled = resolve));
    const lateAccepted = (form: BuiltProfile) => () =>
      void outcomeRecorded.then(async () => {
        if (lateAcceptCounts(form, recorded) && (await this.outcomes.recordLate(stationId, row, form, o.renewal, sentAt))) o.onLateApplied?.(form);
      });
    const sentAt = new Date();
    try {
      return await this.sendForms(stationId, row, built, caps, now, forms, o, { sentAt, accepted: lateAccepted, recorded: (r) => (recorded = r) });
    } finally {
      settled();
    }
  }

  private async sendForms(
    stationId: string,
    row: DesiredProfileRow,
    built: BuiltProfile,
    caps: DispatchCapabilities,
    now: Date,
    forms: Forms,
    o: { ctx?: StationContext; renewal: boolean },
    late: LateTracking,
  ): Promise<SendOutcome> {
    let attempt = built;
    let capRefused = false;
    let zeroRefused = false;
    let onlyStackLevelZero = false;
    let wholeAmperes = false;
    // `own`: a form of the row itself (a cap's share sent for it is not: `lateAcceptCounts`).
    const trySend = async (form: BuiltProfile, own = true) => {
      const tried = await sendWithWholeAmperes(form, (b) => this.caller.setProfile(stationId, b, o.ctx, own ? late.accepted(b) : undefined));
      attempt = tried.sent;
      wholeAmperes ||= tried.wholeAmperes;
      return tried.reply;
    };
    // The cap held by the connectors' own profiles: all of them go, answered as one (`sendShares`).
    let viaSharesTried = false;
    let carriedByPlans = false;
    const took: BuiltProfile[] = []; // the cap's shares the charger took, for their running transactions
    const viaShares = async () => {
      viaSharesTried = true;
      const shares = await this.shareForms(caps, now, forms);
      carriedByPlans = shares.length === 0;
      if (carriedByPlans) return CARRIED_BY_PLANS;
      // A share taken only whole: the others go whole at once (one refusal, not one per connector).
      const out = await sendShares(shares, async (b) => ({ reply: await trySend(wholeAmperes ? inWholeAmperes(b) : b, false), sent: attempt }));
      took.push(...out.taken);
      attempt = out.sent ?? shares[0]!;
      if (out.onlyStackLevelZero) await this.stations.learnCapabilities(stationId, { onlyStackLevelZero: true });
      return out.reply;
    };
    const shared = row.connectorId === 0 && built.connectorId > 0;
    let reply = shared ? await viaShares() : await trySend(attempt);
    const refused = !shared && reply.status === 'ok' && reply.payload['status'] !== 'Accepted';
    if (refused && attempt.profile.stackLevel > 0) {
      const fallbackUnder = this.leaseFor(caps) > 0 && leased(attempt);
      reply = await trySend(await this.form(row, { ...caps, onlyStackLevelZero: true }, now, 0, forms));
      // Remembered only if level 0 is taken: refused there too, the level was not the reason (a
      // connector the charger lacks, NotSupported, a value it dislikes), and learning it would take
      // every connector's lease away for good.
      onlyStackLevelZero = reply.status === 'ok' && reply.payload['status'] === 'Accepted';
      // Level 0 is where a lease's fallback lies: it goes once the profile (no end) holds there. Not
      // before: the connector would have no limit of its own until then, and none at all if the
      // level-0 form is refused too (the fallback the charger took is then its only limit).
      if (fallbackUnder && onlyStackLevelZero) await this.leaseFallback.clear(stationId, attempt.connectorId, o.ctx);
      if (onlyStackLevelZero) await this.stations.learnCapabilities(stationId, { onlyStackLevelZero: true });
    } else if (refused && attempt.profile.chargingProfilePurpose === 'ChargePointMaxProfile') {
      await this.stations.learnCapabilities(stationId, { chargePointMaxProfileRefused: true });
      capRefused = true;
      const emulated = emulateStationCap(built, await forms.share());
      reply = await trySend(learnedForm(caps, emulated));
    }
    if (attempt.profile.chargingProfileId === EMULATED_CAP_PROFILE_ID && reply.status === 'ok' && reply.payload['status'] !== 'Accepted') {
      // Connector 0 takes no default either (guide §3.1): the connectors without a plan would have no limit at all.
      await this.stations.learnCapabilities(stationId, { connectorZeroDefaultRefused: true });
      zeroRefused = true;
      reply = await viaShares();
    }
    // Id 99 taken: the share of each connector without a profile of its own, for its running transaction.
    // In the form the charger took: id 99 in whole amperes only, the shares' decimals would be refused too.
    if (attempt.profile.chargingProfileId === EMULATED_CAP_PROFILE_ID && isAccepted(reply)) took.push(...(await this.shareForms(wholeAmperes ? { ...caps, wholeAmperesOnly: true } : caps, now, forms)));
    if (row.connectorId === 0 && !viaSharesTried && isAccepted(reply) && (heldByShares(row.applied) || (forms.emulating() && forms.refused.size > 0))) {
      // The cap holds another way now (a new firmware forgot the refusals): the old shares go, else a
      // later, lower cap would not reach the connectors without a plan. So does, under id 99, an old
      // profile of a connector whose plan is refused (`refused-plan.ts`). One not cleared fails the cap
      // (its recorded form stays a share), so the retry pass sends it and clears again.
      const ids = (heldByShares(row.applied) ? shareConnectors(await forms.share(), forms.planned) : [...forms.refused]).map(connectorProfileId);
      reply = (await clearShares(ids, (id) => this.caller.call(stationId, 'ClearChargingProfile', { id }, { ctx: o.ctx }))) ?? reply;
    }
    if (wholeAmperes) await this.stations.learnCapabilities(stationId, { wholeAmperesOnly: true });
    if (reply.status === 'error' && reply.code === 'Superseded') return { capRefused, zeroRefused, onlyStackLevelZero, wholeAmperes }; // a newer profile took its place in the queue
    const { recorded, stale } = await this.outcomes.record(stationId, row, attempt, reply, o.renewal, late.sentAt);
    late.recorded({ form: attempt, reply });
    // Carried by the plans, nothing went for the cap: its form (a planned connector's share, never sent)
    // is neither checked nor carried into a running transaction, where its TxProfile would replace the
    // connector's own, lower one. The cap's other shares taken go to their running transactions.
    const sent = recorded && !carriedByPlans ? attempt : undefined;
    forms.carried.push(...took.filter((t) => t.connectorId !== sent?.connectorId).map((share) => ({ row, share, against: row })));
    return { sent, refused: row.connectorId > 0 && refusedByCharger(reply), capRefused, zeroRefused, onlyStackLevelZero, wholeAmperes, stale };
  }
}

const isAccepted = (reply: OcppCommandReply) => reply.status === 'ok' && reply.payload['status'] === 'Accepted';
