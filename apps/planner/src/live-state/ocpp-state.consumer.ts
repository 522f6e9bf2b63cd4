import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Streams, Subjects, type EventSubject } from '@cpo/contracts';
import { ConsumerHost, type BusEvent } from '@cpo/messaging';
import type { EntityManager } from 'typeorm';
import { ReplanRequests } from '../replan/replan-requests.js';
import { LiveStateRepository } from './live-state.repository.js';
import { evCurrentA, powerAndEnergy } from './measurements.js';

/**
 * Events after which the group must be re-planned, and whether at once: a charger going offline
 * counts at the plan it acknowledged for the grace period, at its full rating after (or at once
 * without one), so the others must come down without waiting. A boot likewise: the charger may
 * have lost its profiles and counts at its rating at once, grace or not.
 */
const REPLAN_ON: Partial<Record<string, boolean>> = {
  [Subjects.OcppConnectorStatus]: false,
  [Subjects.OcppTransactionStarted]: false,
  [Subjects.OcppTransactionStopped]: false,
  [Subjects.OcppStationConnected]: false,
  [Subjects.OcppStationDisconnected]: true,
  [Subjects.OcppStationBooted]: true,
  [Subjects.OcppChargingProfileApplied]: false,
  [Subjects.OcppChargingProfileFailed]: true,
};

/**
 * A charger's timestamp, but never later than the ocpp service wrote the event (`occurredAt`, its
 * receipt): readings are ordered by time (newest wins), so a charger clock ahead would make every
 * reading after its clock is set right look older and freeze the connector's current and register
 * until real time caught up. Statuses get the same bound in the ocpp service. A session start is
 * bounded too, so a reading of that session is never placed before its start, and a stop, whose
 * time the connector's readings then start from.
 */
function notAfterReceipt(timestamp: string, event: BusEvent): Date {
  const at = Date.parse(timestamp);
  const received = event.occurredAt === undefined ? NaN : Date.parse(event.occurredAt);
  return new Date(received < at ? received : at);
}

/** Every OCPP event the allocator needs, applied in one durable consumer (one filter on nats-server 2.9). */
@Injectable()
export class OcppStateConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly state: LiveStateRepository,
    private readonly replan: ReplanRequests,
  ) {}

  onModuleInit(): void {
    this.consumers.register<EventSubject>({
      durable: 'planner-ocpp-state',
      stream: Streams.OCPP,
      filterSubject: 'ocpp.>',
      handler: (event, tx) => this.apply(event, tx),
      afterCommit: (events) => {
        for (const event of events) {
          const urgent = REPLAN_ON[event.subject];
          if (urgent === undefined) continue;
          const stationId = (event.payload as { stationId: string }).stationId;
          this.replan.requestForStation(stationId, event.subject, urgent);
        }
      },
    });
  }

  private async apply(event: BusEvent, tx: EntityManager): Promise<void> {
    switch (event.subject) {
      case Subjects.OcppConnectorStatus: {
        const e = (event as BusEvent<typeof Subjects.OcppConnectorStatus>).payload;
        return this.state.status(tx, e.stationId, e.connectorId, e.status, new Date(e.timestamp));
      }
      case Subjects.OcppTransactionStarted: {
        const e = (event as BusEvent<typeof Subjects.OcppTransactionStarted>).payload;
        return this.state.sessionStarted(tx, e.stationId, e.connectorId, e.transactionId, notAfterReceipt(e.startedAt, event));
      }
      case Subjects.OcppTransactionStopped: {
        const e = (event as BusEvent<typeof Subjects.OcppTransactionStopped>).payload;
        return this.state.sessionStopped(tx, e.stationId, e.transactionId, notAfterReceipt(e.stoppedAt, event));
      }
      case Subjects.OcppMeterSampled: {
        const e = (event as BusEvent<typeof Subjects.OcppMeterSampled>).payload;
        const { powerW, energyWh } = powerAndEnergy(e);
        const currentA = evCurrentA(e.samples, powerW);
        if (powerW === undefined && energyWh === undefined && currentA === undefined) return;
        return this.state.measured(tx, e.stationId, e.connectorId, e.transactionId, notAfterReceipt(e.timestamp, event), { powerW, currentA, energyWh });
      }
      case Subjects.OcppStationConnected: {
        const e = (event as BusEvent<typeof Subjects.OcppStationConnected>).payload;
        return this.state.connection(tx, e.stationId, true, new Date(e.connectedAt));
      }
      case Subjects.OcppStationDisconnected: {
        const e = (event as BusEvent<typeof Subjects.OcppStationDisconnected>).payload;
        return this.state.connection(tx, e.stationId, false, new Date(e.disconnectedAt));
      }
      case Subjects.OcppStationBooted: {
        // Whatever we answered: a Pending or Rejected charger rebooted too, and gets no profile until Accepted.
        const e = (event as BusEvent<typeof Subjects.OcppStationBooted>).payload;
        return this.state.booted(tx, e.stationId, new Date(e.bootedAt));
      }
      case Subjects.OcppChargingProfileApplied: {
        const e = (event as BusEvent<typeof Subjects.OcppChargingProfileApplied>).payload;
        if (e.planId !== undefined) await this.state.planOutcome(tx, e.planId, e.connectorId, true, undefined, new Date(e.appliedAt));
        return this.state.profileOutcome(tx, e.stationId, true, 'Accepted', new Date(e.appliedAt));
      }
      case Subjects.OcppChargingProfileFailed: {
        const e = (event as BusEvent<typeof Subjects.OcppChargingProfileFailed>).payload;
        if (e.planId !== undefined) await this.state.planOutcome(tx, e.planId, e.connectorId, false, e.detail ?? e.status, new Date(e.failedAt), e.status === 'Offline');
        return this.state.profileOutcome(tx, e.stationId, false, e.status, new Date(e.failedAt));
      }
      default:
        return; // future OCPP events carry nothing the allocator uses yet
    }
  }
}
