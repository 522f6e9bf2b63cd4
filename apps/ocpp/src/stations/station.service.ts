import { Inject, Injectable } from '@nestjs/common';
import { schemaVersionOf, Subjects, validateEvent, type OcppConnectorStatus } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { APP_CONFIG, NotFoundError, ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import type { OcppConfig } from '../config.js';
import { ChargerCommits, type CommitPart } from '../persistence/charger-commits.js';
import type { StationContext } from '../connection/station-context.js';
import { StationLogThrottle, UNSET_CLOCK_LOG_INTERVAL_MS } from '../station-log-throttle.js';
import { parseOcppTime, statusTime } from '../time.js';
import { stationBootedEvent } from './booted-event.js';
import { connectorStatusesStatement, type ConnectorStatusRow } from './connector-status.statement.js';
import { LastSeenWriter } from './last-seen.js';
import { rereadAtBoot } from './reboot-reread.js';
import { forgetReplacedUnit } from './replaced-unit.js';
import { StationConfigurationRepository } from './station-configuration.repository.js';
import { StationRepository } from './station.repository.js';
import { transferStatusEvent, type TransferStatus } from './transfer-events.js';
import { TransferRepository, type UploadKind } from './transfer.repository.js';

/** Clock skew of a charger's status timestamp that is not worth a warning. */
const STATUS_SKEW_TOLERANCE_MS = 5_000;

const CLOCK_ISSUE = {
  ahead: 'in the future',
  unset: 'from an unset charger clock',
} as const;

/**
 * Station lifecycle rules: boot registration, liveness, connector statuses, firmware and
 * diagnostics progress. Each answer is sent only after its data and events are committed; a
 * Heartbeat carries none (its last-seen time is ours, see LastSeenWriter).
 */
@Injectable()
export class StationService {
  private readonly lastSeen: LastSeenWriter;
  /** A charger whose clock stays unset stamps every status so: logged per station and interval, not per status. */
  private readonly unsetClockLog = new StationLogThrottle(UNSET_CLOCK_LOG_INTERVAL_MS);
  /**
   * Likewise a clock that runs ahead (no NTP, drift) stays ahead: a warning per status was one per
   * StatusNotification of that charger for ever, on the hot path.
   */
  private readonly aheadClockLog = new StationLogThrottle(UNSET_CLOCK_LOG_INTERVAL_MS);
  /** Connections whose boot reported another unit (forgetReplacedUnit), with that boot's time, until the after-boot work takes it. */
  private readonly replacedAtBoot = new WeakMap<StationContext, Date>();
  /**
   * Connector statuses as CTEs of the shared charger-message statement (one round trip, its own
   * transaction): stale notifications (older than stored, or than an earlier one in the batch) are
   * ignored, the rest stored and published through the outbox. A status the bus contract cannot
   * carry (a lenient station's `Occupied`, an unknown error code) is stored as sent and published
   * as no event (logged): an event must never fail the commit, which would make the charger resend.
   */
  private readonly statusPart: CommitPart<ConnectorStatusRow> = {
    key: 'statuses',
    build: (rows, firstParam) => {
      const statuses = connectorStatusesStatement(rows, firstParam, 'st');
      // Per row its event as timed and, for a stamped status, its event at receipt, kept instead when
      // the statement times it so (`as_receipt`). Event ordinals by row ord, NULL for no event.
      const events: OcppConnectorStatus[] = [];
      const asTimed: (number | null)[] = [];
      const atReceipt: (number | null)[] = [];
      for (const r of rows) {
        const event = this.statusEvent(r);
        asTimed.push(event ? events.push(event) : null);
        atReceipt.push(event && !r.byReceipt ? events.push({ ...event, timestamp: r.receivedAt.toISOString() }) : null);
      }
      // Parameters, not literals: the statement's text stays the same from batch to batch, so it is
      // planned once (literals made every batch a new statement: PostgreSQL's CPU per status +75 µs).
      const ordinals = firstParam + statuses.params.length;
      const keepOrdinals = `SELECT e FROM (SELECT CASE WHEN f.as_receipt THEN ($${ordinals + 1}::int[])[f.ord] ELSE ($${ordinals}::int[])[f.ord] END AS e FROM st_fresh f) k
                             WHERE e IS NOT NULL`;
      const outbox = this.outbox.statement(
        events.map((payload) => ({ subject: Subjects.OcppConnectorStatus, payload })),
        ordinals + 2,
        // Checked once already, by statusEvent.
        { name: 'status_outbox', keepOrdinals, packed: true, validate: false },
      );
      return { ctes: `${statuses.ctes}, ${outbox.cte}`, params: [...statuses.params, asTimed, atReceipt, ...outbox.params], outbox: [outbox] };
    },
  };

  constructor(
    private readonly db: DataSource,
    private readonly stations: StationRepository,
    private readonly transfers: TransferRepository,
    private readonly outbox: OutboxWriter,
    private readonly commits: ChargerCommits,
    @Inject(APP_CONFIG) private readonly config: OcppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly configuration: StationConfigurationRepository,
  ) {
    // One statement in autocommit: a transaction around it only added two round trips.
    this.lastSeen = new LastSeenWriter(
      (ids, at) => this.stations.touch(this.db.manager, ids, at),
      (err, stations) => this.logger.warn({ err, stations }, 'last-seen times of heartbeats not stored; the next heartbeats bring newer ones'),
    );
  }

  /**
   * `reboot` false: a boot we asked for (TriggerMessage), the charger re-announcing itself. Its
   * details and answer are recorded and published, but not as a reboot: `booted_at` stays (and the
   * event's `bootedAt` with it), and nothing staged for the reboot is applied (StationRepository.recordBoot).
   */
  async boot(ctx: StationContext, req: Ocpp16.BootNotificationRequest, now: Date, reboot = true): Promise<{ response: Ocpp16.BootNotificationResponse; changed: boolean }> {
    const booted = await this.db.transaction(async (tx) => {
      const rows: { registration_status: 'Accepted' | 'Pending' | 'Rejected' }[] = await tx.query(`SELECT registration_status FROM stations WHERE id = $1`, [ctx.stationId]);
      const status = rows[0]?.registration_status;
      if (!status) throw new NotFoundError(`station ${ctx.stationId} is not registered`);
      const replaced = await forgetReplacedUnit(tx, ctx.stationId, { serialNumber: req.chargePointSerialNumber, chargeBoxSerialNumber: req.chargeBoxSerialNumber });
      const { changed, bootedAt } = await this.stations.recordBoot(
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
        reboot,
      );
      // In the boot's transaction, whatever its answer: a Pending or Rejected station runs the new firmware too.
      const firmware = typeof req.firmwareVersion === 'string' && req.firmwareVersion !== '' ? req.firmwareVersion : undefined;
      const inferred = firmware === undefined ? undefined : await this.transfers.recordInstalledAtBoot(tx, ctx.stationId, firmware, now);
      const installed = inferred !== undefined;
      if (inferred) await this.publishTransfer(tx, 'firmware', { stationId: ctx.stationId, status: 'Installed', statusAt: now, ...inferred, inferredFromBoot: true });
      const interval = status === 'Accepted' ? this.config.OCPP_HEARTBEAT_INTERVAL_S : this.config.OCPP_BOOT_RETRY_INTERVAL_S;
      // Built for the contract (a lenient boot may lack its vendor): an event must never refuse the boot.
      const built = stationBootedEvent(ctx.stationId, req, { registrationStatus: status, intervalS: interval, bootedAt });
      if (built.event) await this.outbox.enqueue(tx, Subjects.OcppStationBooted, built.event, { validate: false });
      else this.logger.error({ stationId: ctx.stationId, reason: built.invalid }, 'boot stored without ocpp.station.booted: the bus contract cannot carry it');
      return { status, interval, changed, installed, replaced };
    });
    if (booted.replaced) this.replacedAtBoot.set(ctx, now);
    if (booted.installed) {
      this.logger.info({ stationId: ctx.stationId, firmwareVersion: req.firmwareVersion }, 'firmware update recorded Installed: the station booted with a new firmwareVersion without reporting it');
    }
    // The charger sets its clock from this: the time of the answer, not of the request (a boot can
    // wait seconds for the database in a reconnect storm), as Heartbeat answers.
    const { status, interval, changed } = booted;
    return { response: { status, currentTime: new Date().toISOString(), interval }, changed };
  }

  /**
   * The time of the boot on this connection that reported another unit, once: taken by the work
   * after an accepted boot that sends the new unit what the operator asked of the old one.
   */
  takeReplacedUnit(ctx: StationContext): Date | undefined {
    const at = this.replacedAtBoot.get(ctx);
    this.replacedAtBoot.delete(ctx);
    return at;
  }

  /** Records the station as seen; its write never delays the answer (LastSeenWriter). */
  heartbeat(stationId: string, now: Date): void {
    this.lastSeen.seen(stationId, now);
  }

  /**
   * Statuses are ordered by their time (newest wins), to drop one overtaken by a later status (a
   * replica or reconnect delivering it late). Its time is the charger's stamp, except when there is
   * none or it is no time (statusTime, time.ts): an unset clock (before 2010: a charger without a
   * clock battery after a power loss) or one ahead of receipt (compared as sent, every later status
   * looked older and the connector froze until real time caught up); then the receipt time. A stamp
   * is compared only with stamps, and with a status timed at its receipt by its own receipt (arrival
   * order, guide §1.7): a charger clock behind UTC, by hours (a local time west of Greenwich sent
   * without its zone) or a drift's minutes, froze the connector behind an unstamped status. Stamps
   * are compared within a boot only: a clock restored days behind at a reboot lost every status.
   * The rule is stated in docs/ocpp.md; the statement is connector-status.statement.ts.
   */
  async status(stationId: string, req: Ocpp16.StatusNotificationRequest, receivedAt: Date): Promise<void> {
    const time = statusTime(req.timestamp, receivedAt);
    const log = time.why === 'ahead' ? this.aheadClockLog : time.why === 'unset' ? this.unsetClockLog : undefined;
    const skewed = time.why !== 'ahead' || parseOcppTime(req.timestamp!).getTime() > receivedAt.getTime() + STATUS_SKEW_TOLERANCE_MS;
    const unlogged = log && skewed ? log.take(stationId, receivedAt) : undefined;
    if (unlogged !== undefined) {
      this.logger.warn(
        { stationId, connectorId: req.connectorId, timestamp: req.timestamp, unloggedSince: unlogged, receivedAt: receivedAt.toISOString() },
        `status timestamp ${CLOCK_ISSUE[time.why as keyof typeof CLOCK_ISSUE]}; ordered by receipt time (logged once per station and interval)`,
      );
    }
    await this.commits.submit(this.statusPart, {
      stationId,
      connectorId: req.connectorId,
      status: req.status,
      errorCode: req.errorCode,
      info: req.info,
      vendorId: req.vendorId,
      vendorErrorCode: req.vendorErrorCode,
      statusAt: time.at,
      byReceipt: time.byReceipt,
      receivedAt,
    });
  }

  /** The status as a contract-valid `ocpp.connector.status`, or undefined (logged) when it cannot be one. */
  private statusEvent(r: ConnectorStatusRow): OcppConnectorStatus | undefined {
    const event: OcppConnectorStatus = {
      stationId: r.stationId,
      connectorId: r.connectorId,
      status: r.status as OcppConnectorStatus['status'],
      errorCode: r.errorCode as OcppConnectorStatus['errorCode'],
      info: r.info || undefined,
      vendorId: r.vendorId || undefined,
      vendorErrorCode: r.vendorErrorCode || undefined,
      timestamp: r.statusAt.toISOString(),
    };
    const checked = validateEvent(Subjects.OcppConnectorStatus, schemaVersionOf(Subjects.OcppConnectorStatus), event);
    if (checked.ok) return event;
    this.logger.warn({ stationId: r.stationId, connectorId: r.connectorId, status: r.status, errorCode: r.errorCode, reason: checked.reason }, 'connector status stored as sent but not published: the bus contract cannot carry it');
    return undefined;
  }

  /**
   * Where a transfer stands (on the station), and the notification as it came (the station's
   * messages). A security-extension status naming a requestId is also the status of the station's
   * current signed firmware update / log upload when that is the request it names; one without a
   * requestId (e.g. `Idle`) or naming another is the station's status only. `readConfiguration`: a
   * firmware installed since the station's last boot, whose configuration is to be read now.
   */
  async uploadStatus(
    stationId: string,
    kind: UploadKind,
    status: string,
    at: Date,
    message: { action: string; payload: object },
    requestId?: number,
  ): Promise<{ readConfiguration: boolean }> {
    // Any integer is schema-valid (and anything passes under lenient validation); a requestId our
    // columns cannot hold names no request of ours, and must not fail the message.
    const named = typeof requestId === 'number' && Number.isSafeInteger(requestId) ? requestId : undefined;
    return this.db.transaction(async (tx) => {
      // A new firmware may have other keys, even under the same firmwareVersion: read them all, now or
      // at its boot (compared with the status before this one).
      const installed = kind === 'firmware' && rereadAtBoot({ action: 'FirmwareStatus', status }) === 'whole';
      const readNow = installed && (await this.configuration.firmwareInstalled(tx, stationId));
      await this.transfers.recordUploadStatus(tx, stationId, kind, status, at, named);
      if (named !== undefined && kind !== 'diagnostics') await this.transfers.recordRequestStatus(tx, stationId, kind, named, status, at);
      await this.stations.storeMessage(tx, stationId, message.action, message.payload);
      // Log uploads (GetLog) have no event: the brief's late outcomes are firmware and diagnostics.
      if (kind !== 'log') {
        const request = await this.transfers.requestOf(tx, stationId, kind, at, named);
        await this.publishTransfer(tx, kind, { stationId, status, statusAt: at, requestId: named, requestedAt: request?.requestedAt });
      }
      return { readConfiguration: readNow };
    });
  }

  /**
   * Enqueues a transfer status as reported (the station view may keep an outcome over it, the event
   * does not judge); one the contract cannot carry is logged, never failing the notification's commit.
   */
  private async publishTransfer(tx: EntityManager, kind: 'firmware' | 'diagnostics', status: TransferStatus): Promise<void> {
    const subject = kind === 'firmware' ? Subjects.OcppFirmwareStatus : Subjects.OcppDiagnosticsStatus;
    const built = transferStatusEvent(subject, status);
    if ('event' in built) await this.outbox.enqueue(tx, subject, built.event, { validate: false });
    else this.logger.warn({ stationId: status.stationId, status: status.status, reason: built.invalid }, `${kind} status stored as sent but not published: the bus contract cannot carry it`);
  }
}
