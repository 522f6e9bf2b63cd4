import { Streams, Subjects, type OcppMeterSampled } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { applyReading, energyWh, transactionStarted, transactionStopped, type GroupRegister } from '@cpo/oscp-protocol';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { GroupRepository } from '../partners/group.repository.js';

const REGISTER = 'Energy.Active.Import.Register';

/**
 * Keeps each group's lifetime import register from the chargers' events: meter samples and the
 * start/stop registers of transactions. Stations map to groups through the group's station list.
 */
@Injectable()
export class MeterEventsService implements OnModuleInit {
  constructor(
    private readonly groups: GroupRepository,
    private readonly consumers: ConsumerHost,
  ) {}

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.OcppMeterSampled>({
      durable: 'oscp-meter-samples',
      stream: Streams.OCPP,
      filterSubject: Subjects.OcppMeterSampled,
      handler: (e, tx) => this.sampled(tx, e.payload),
    });
    this.consumers.register<typeof Subjects.OcppTransactionStarted>({
      durable: 'oscp-transaction-starts',
      stream: Streams.OCPP,
      filterSubject: Subjects.OcppTransactionStarted,
      handler: (e, tx) => this.update(tx, e.payload.stationId, (r) => transactionStarted(r, e.payload.stationId, e.payload.connectorId, e.payload.transactionId, e.payload.meterStartWh)),
    });
    this.consumers.register<typeof Subjects.OcppTransactionStopped>({
      durable: 'oscp-transaction-stops',
      stream: Streams.OCPP,
      filterSubject: Subjects.OcppTransactionStopped,
      handler: (e, tx) => this.update(tx, e.payload.stationId, (r) => transactionStopped(r, e.payload.stationId, e.payload.transactionId, e.payload.meterStopWh)),
    });
  }

  async sampled(tx: EntityManager, e: OcppMeterSampled): Promise<void> {
    // Per-phase values of the register would be counted three times: only the total counts.
    const readings = e.samples
      .filter((s) => s.measurand === REGISTER && s.phase === undefined)
      .map((s) => energyWh(s.value, s.unit))
      .filter((wh): wh is number => wh !== undefined);
    if (readings.length === 0) return;
    await this.update(tx, e.stationId, (r) => readings.reduce((acc, wh) => applyReading(acc, e.stationId, e.connectorId, wh), r));
  }

  private async update(tx: EntityManager, stationId: string, apply: (r: GroupRegister) => GroupRegister): Promise<void> {
    for (const g of await this.groups.byStationForUpdate(stationId, tx)) {
      await this.groups.saveRegister(g.partnerId, g.groupId, apply(g.register), tx);
    }
  }
}
