import { Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AuthorizationService, type IdTagInfo } from '../authorization/authorization.service.js';
import { ReservationRepository } from '../reservations/reservation.repository.js';
import { StationRepository } from '../stations/station.repository.js';
import { parseOcppTime } from '../time.js';
import { meterReadingOf } from './meter-samples.js';
import { RemoteStartRepository } from './remote-start.repository.js';
import { TransactionRepository } from './transaction.repository.js';

/**
 * Start and stop rules: ids unique and durable, retries answered with the same id, stops
 * idempotent, energy from the meter registers. The CSMS cannot refuse a stop and must never lose
 * one, so an unknown transaction is acknowledged and kept for reconciliation.
 */
@Injectable()
export class TransactionService {
  constructor(
    private readonly db: DataSource,
    private readonly transactions: TransactionRepository,
    private readonly stations: StationRepository,
    private readonly authorization: AuthorizationService,
    private readonly remoteStarts: RemoteStartRepository,
    private readonly reservations: ReservationRepository,
    private readonly outbox: OutboxWriter,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async start(stationId: string, req: Ocpp16.StartTransactionRequest): Promise<Ocpp16.StartTransactionResponse> {
    const startedAt = parseOcppTime(req.timestamp);
    // The charger may have authorised offline from stale data: decide again (outside the DB transaction,
    // since a roaming decision may take a few seconds).
    const idTagInfo = await this.authorization.authorize(stationId, req.idTag);
    const authorizationReference = await this.authorization.authorizationReference(stationId, req.idTag);
    return this.db.transaction(async (tx) => {
      const { row, created } = await this.transactions.insertOrGet(tx, {
        stationId,
        connectorId: req.connectorId,
        idTag: req.idTag,
        idTagStatus: idTagInfo.status,
        meterStartWh: req.meterStart,
        startedAt,
        reservationId: req.reservationId,
        authorizationReference,
      });
      if (!created) {
        return { transactionId: row.transactionId, idTagInfo: { ...idTagInfo, status: row.idTagStatus as IdTagInfo['status'] } };
      }
      await this.remoteStarts.started(tx, stationId, req.connectorId, req.idTag, row.transactionId);
      if (req.reservationId !== undefined) await this.reservations.markUsed(tx, stationId, req.reservationId, row.transactionId);
      await this.outbox.enqueue(tx, Subjects.OcppTransactionStarted, {
        stationId,
        connectorId: req.connectorId,
        transactionId: row.transactionId,
        idTag: req.idTag,
        meterStartWh: req.meterStart,
        startedAt: startedAt.toISOString(),
        reservationId: req.reservationId,
      });
      return { transactionId: row.transactionId, idTagInfo };
    });
  }

  async stop(stationId: string, req: Ocpp16.StopTransactionRequest): Promise<Ocpp16.StopTransactionResponse> {
    const stoppedAt = parseOcppTime(req.timestamp);
    return this.db.transaction(async (tx) => {
      const existing = await this.transactions.lockForStop(tx, stationId, req.transactionId);
      if (!existing) {
        // Start lost or discarded by the charger: acknowledge and keep the stop for reconciliation.
        this.logger.warn({ stationId, transactionId: req.transactionId }, 'StopTransaction for an unknown transaction kept as orphan');
        await this.stations.storeMessage(tx, stationId, 'OrphanStopTransaction', req);
        return req.idTag ? { idTagInfo: { status: 'Accepted' } } : {};
      }
      const idTagInfo: IdTagInfo | undefined = req.idTag ? { status: req.idTag === existing.idTag ? (existing.idTagStatus as IdTagInfo['status']) : 'Accepted' } : undefined;
      if (existing.stoppedAt !== null) return idTagInfo ? { idTagInfo } : {};
      // A meter that restarts per session reports a stop below the start: count from zero then.
      const energyWh = req.meterStop >= existing.meterStartWh ? req.meterStop - existing.meterStartWh : req.meterStop;
      const reason = req.reason ?? 'Local';
      await this.transactions.stop(tx, existing.transactionId, { meterStopWh: req.meterStop, stoppedAt, reason, idTag: req.idTag, energyWh, transactionData: req.transactionData });
      const readings = (req.transactionData ?? []).map((mv) => meterReadingOf(stationId, existing.connectorId, existing.transactionId, mv).reading);
      await this.transactions.insertMeterReadings(tx, readings);
      await this.outbox.enqueue(tx, Subjects.OcppTransactionStopped, {
        stationId,
        transactionId: existing.transactionId,
        idTag: req.idTag,
        meterStopWh: req.meterStop,
        stoppedAt: stoppedAt.toISOString(),
        reason: reason as never,
      });
      return idTagInfo ? { idTagInfo } : {};
    });
  }
}
