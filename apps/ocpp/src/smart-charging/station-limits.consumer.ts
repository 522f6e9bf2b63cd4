import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Streams, Subjects, type PlannerStationLimitsPlanned } from '@cpo/contracts';
import { ConsumerHost, type BusEvent } from '@cpo/messaging';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { OcppConfig } from '../config.js';
import { StationLifecycle } from '../connection/station-lifecycle.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { LeaseFallback } from './lease-fallback.js';
import { LimitDispatcher } from './limit-dispatcher.js';
import { bridgedToStart } from './plan-ahead.js';
import { connectorProfileId, endingAtValidUntil, STATION_CAP_PROFILE_ID } from './profile-builder.js';

/**
 * Planner limits in, charger profiles out. A plan is stored as the desired state (in the consumer's
 * transaction, with its inbox row) and dispatched after commit; the desired state is sent again
 * whenever the charger reconnects or boots, since it may have lost its profiles.
 *
 * "A newer plan for the same station replaces the previous one" (the contract): newer by the
 * event's `occurredAt`, the time the planner wrote it to its outbox, in the same transaction that
 * made the plan. It travels in the message headers (kept through redeliveries and dead-letter
 * replays, unlike the stream sequence) and grows with each planning round of a group, which the
 * planner runs one at a time; `effectiveFrom` would not do, since a plan made later may take effect
 * earlier (an emergency after a day-ahead plan). A plan older than the one stored — a redelivery
 * overtaken by a newer plan, two replicas pulling at once, a replay — is acknowledged and logged,
 * not stored (the contract has no outcome for it; the planner made the newer plan after it).
 */
@Injectable()
export class StationLimitsConsumer implements OnModuleInit {
  /**
   * Stations whose stored plan named a connector beyond an emulated cap's split: the pass after the
   * commit sends the cap and every share whatever the cap row reads. A pass already under way here
   * (chained before it) may send the cap over the old count and record it applied over the plan's
   * pending mark; the cap may also have been pending, its pass having read the count before the plan.
   */
  private readonly resplitDue = new Set<string>();

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly profiles: ChargingProfileRepository,
    private readonly dispatcher: LimitDispatcher,
    private readonly lifecycle: StationLifecycle,
    private readonly leaseFallback: LeaseFallback,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
  ) {}

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.PlannerStationLimitsPlanned>({
      durable: 'ocpp-station-limits',
      stream: Streams.PLANNER,
      filterSubject: Subjects.PlannerStationLimitsPlanned,
      handler: (event, tx) => this.store(event, tx),
      afterCommit: (events) => {
        for (const stationId of new Set(events.map((e) => e.payload.stationId))) this.dispatchSoon(stationId, false);
      },
    });
    // After onboarding (order 0), whose configuration read decides the form of every profile. A boot on
    // a connection that had the lease fallbacks (a controller restarted behind a socket that stayed
    // open) may have lost them like the rest: they go again with their leases.
    this.lifecycle.onAccepted(async (ctx) => {
      await this.leaseFallback.forget(ctx.stationId, undefined);
      return this.dispatcher.dispatch(ctx.stationId, { all: true, ctx });
    }, 10);
    // After onboarding (order 0), whose configuration read decides the profiles' form (units, stack levels).
    // A new connection may come from a charger that rebooted meanwhile: its lease fallbacks, known on
    // every replica, are unknown again (the pass sends them anyway; a pass through another replica before it must too).
    this.lifecycle.onConnected(async (ctx) => {
      await this.leaseFallback.forget(ctx.stationId, undefined);
      return this.dispatcher.dispatch(ctx.stationId, { all: true, ctx });
    }, 10);
  }

  private async store(event: BusEvent<typeof Subjects.PlannerStationLimitsPlanned>, tx: EntityManager): Promise<void> {
    const plan: PlannerStationLimitsPlanned = event.payload;
    const occurredMs = event.occurredAt === undefined ? NaN : Date.parse(event.occurredAt);
    const occurredAt = Number.isNaN(occurredMs) ? null : new Date(occurredMs).toISOString();
    if (occurredAt === null) {
      // Every publisher of ours sets it; without one the plan cannot be ordered and is taken as the newest.
      this.logger.warn({ stationId: plan.stationId, planId: plan.planId, eventId: event.id, occurredAt: event.occurredAt }, 'station plan without a valid occurredAt; stored as the newest');
    } else {
      const { newer, newestAt } = await this.profiles.lockAndCheckNewer(tx, plan.stationId, occurredAt);
      if (newer) {
        this.logger.warn(
          { stationId: plan.stationId, planId: plan.planId, eventId: event.id, occurredAt, newestAt, deliveryCount: event.deliveryCount },
          'station plan superseded by a newer one already stored; not applied',
        );
        return;
      }
    }
    // Before its rows are stored, which would count the new connector as known. A plan with the cap has it pending anyway.
    const highest = Math.max(...plan.connectors.map((c) => c.connectorId));
    if (!plan.connectors.some((c) => c.connectorId === 0) && highest > 0 && (await this.profiles.capDueForNewConnector(tx, plan.stationId, highest))) {
      this.logger.info({ stationId: plan.stationId, planId: plan.planId, connectorId: highest }, 'plan names a connector beyond the emulated station cap\'s split; the shares are sent again');
      // A rolled-back transaction leaves the mark for the next commit of the station: one re-split too many, harmless.
      this.resplitDue.add(plan.stationId);
    }
    // A plan starting ahead holds what it replaces until its start (`plan-ahead.ts`): read under the plan lock.
    const previous = await this.profiles.desiredLimits(tx, plan.stationId);
    const now = new Date();
    for (const limit of plan.connectors) {
      const station = limit.connectorId === 0;
      const chargingProfileId = station ? STATION_CAP_PROFILE_ID : connectorProfileId(limit.connectorId);
      await this.profiles.upsertDesired(tx, {
        stationId: plan.stationId,
        chargingProfileId,
        connectorId: limit.connectorId,
        purpose: station ? 'ChargePointMaxProfile' : 'TxDefaultProfile',
        stackLevel: 0,
        desired: bridgedToStart(endingAtValidUntil(limit, plan.validUntil), previous.get(chargingProfileId), now, this.config.OCPP_NOMINAL_VOLTAGE_V),
        planId: plan.planId,
        planOccurredAt: occurredAt,
      });
    }
  }

  private dispatchSoon(stationId: string, all: boolean): void {
    void this.dispatcher.dispatch(stationId, { all, resplit: this.resplitDue.delete(stationId) }).catch((err: unknown) => this.logger.error({ err, stationId }, 'could not dispatch planned limits'));
  }
}
