import { Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { APP_CONFIG, NotFoundError } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { DataSource } from 'typeorm';
import type { OcppConfig } from '../config.js';
import { ChargerCommits, type CommitPart } from '../persistence/charger-commits.js';
import { CommitBatcher } from '../persistence/commit-batcher.js';
import type { StationContext } from '../connection/station-context.js';
import { parseOcppTime } from '../time.js';
import { connectorStatusesStatement, StationRepository, type ConnectorStatusRow, type UploadKind } from './station.repository.js';

/**
 * Station lifecycle rules: boot registration, liveness, connector statuses, firmware and
 * diagnostics progress. Each answer is sent only after its data and events are committed.
 */
@Injectable()
export class StationService {
  private readonly heartbeats: CommitBatcher<{ stationId: string; at: Date }, void>;
  /**
   * Connector statuses as CTEs of the shared charger-message statement (one round trip, its own
   * transaction): stale notifications (older than stored, or than an earlier one in the batch) are
   * ignored, the rest stored and published through the outbox.
   */
  private readonly statusPart: CommitPart<ConnectorStatusRow> = {
    key: 'statuses',
    build: (rows, firstParam) => {
      const statuses = connectorStatusesStatement(rows, firstParam, 'st');
      const events = this.outbox.statement(
        rows.map((r) => ({
          subject: Subjects.OcppConnectorStatus,
          payload: {
            stationId: r.stationId,
            connectorId: r.connectorId,
            status: r.status as never,
            errorCode: r.errorCode as never,
            info: r.info || undefined,
            vendorId: r.vendorId || undefined,
            vendorErrorCode: r.vendorErrorCode || undefined,
            timestamp: r.statusAt.toISOString(),
          },
        })),
        firstParam + statuses.params.length,
        { name: 'status_outbox', keepOrdinals: 'SELECT ord FROM st_fresh', packed: true },
      );
      return { ctes: `${statuses.ctes}, ${events.cte}`, params: [...statuses.params, ...events.params], outbox: [events] };
    },
  };

  constructor(
    private readonly db: DataSource,
    private readonly stations: StationRepository,
    private readonly outbox: OutboxWriter,
    private readonly commits: ChargerCommits,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
  ) {
    this.heartbeats = new CommitBatcher<{ stationId: string; at: Date }, void>(
      db,
      async (items, tx) => {
        const latest = new Map<string, Date>();
        for (const i of items) latest.set(i.stationId, i.at);
        const ids = [...latest.keys()].sort();
        await this.stations.touch(tx, ids, ids.map((id) => latest.get(id)!));
        return items.map(() => undefined);
      },
      { maxBatch: 1000, concurrency: 1 },
    );
  }

  async boot(ctx: StationContext, req: Ocpp16.BootNotificationRequest, now: Date): Promise<{ response: Ocpp16.BootNotificationResponse; changed: boolean }> {
    return this.db.transaction(async (tx) => {
      const rows: { registration_status: 'Accepted' | 'Pending' | 'Rejected' }[] = await tx.query(`SELECT registration_status FROM stations WHERE id = $1`, [ctx.stationId]);
      const status = rows[0]?.registration_status;
      if (!status) throw new NotFoundError(`station ${ctx.stationId} is not registered`);
      const { changed } = await this.stations.recordBoot(
        tx,
        ctx.stationId,
        {
          vendor: req.chargePointVendor,
          model: req.chargePointModel,
          serialNumber: req.chargePointSerialNumber,
          chargeBoxSerialNumber: req.chargeBoxSerialNumber,
          firmwareVersion: req.firmwareVersion,
          iccid: req.iccid,
          imsi: req.imsi,
          meterType: req.meterType,
          meterSerialNumber: req.meterSerialNumber,
        },
        status,
        now,
      );
      const interval = status === 'Accepted' ? this.config.OCPP_HEARTBEAT_INTERVAL_S : this.config.OCPP_BOOT_RETRY_INTERVAL_S;
      await this.outbox.enqueue(tx, Subjects.OcppStationBooted, {
        stationId: ctx.stationId,
        vendor: req.chargePointVendor,
        model: req.chargePointModel,
        serialNumber: req.chargePointSerialNumber || req.chargeBoxSerialNumber || undefined,
        firmwareVersion: req.firmwareVersion || undefined,
        registrationStatus: status,
        intervalS: interval,
        bootedAt: now.toISOString(),
      });
      return { response: { status, currentTime: now.toISOString(), interval }, changed };
    });
  }

  async heartbeat(stationId: string, now: Date): Promise<void> {
    await this.heartbeats.submit({ stationId, at: now });
  }

  async status(stationId: string, req: Ocpp16.StatusNotificationRequest, receivedAt: Date): Promise<void> {
    await this.commits.submit(this.statusPart, {
      stationId,
      connectorId: req.connectorId,
      status: req.status,
      errorCode: req.errorCode,
      info: req.info,
      vendorId: req.vendorId,
      vendorErrorCode: req.vendorErrorCode,
      statusAt: req.timestamp ? parseOcppTime(req.timestamp) : receivedAt,
    });
  }

  /** Where a transfer stands (on the station), and the notification as it came (the station's messages). */
  async uploadStatus(stationId: string, kind: UploadKind, status: string, at: Date, message: { action: string; payload: object }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.stations.recordUploadStatus(tx, stationId, kind, status, at);
      await this.stations.storeMessage(tx, stationId, message.action, message.payload);
    });
  }
}
