import { Inject, Injectable } from '@nestjs/common';
import { Subjects, type EventMap } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { AuthorizationService, type IdTagInfo } from '../authorization/authorization.service.js';
import type { RegistrationState } from '../connection/station-context.js';
import { idTagRef } from '../log-redaction.js';
import { reservationEndedBy } from '../reservations/reservation-match.js';
import { ReservationRepository } from '../reservations/reservation.repository.js';
import { StationLogThrottle, UNSET_CLOCK_LOG_INTERVAL_MS } from '../station-log-throttle.js';
import { StationRepository } from '../stations/station.repository.js';
import { chargerTime } from '../time.js';
import { meterReadingOf } from './meter-samples.js';
import { TransactionOwners } from './transaction-owners.js';
import { publishSettled } from './remote-start-events.js';
import { RemoteStartRepository } from './remote-start.repository.js';
import { transactionStartedEvent, transactionStoppedEvent, type BuiltEvent } from './transaction-events.js';
import { endsInRestart, keptRegisters, mainRegisters, seriesDeliveredWh } from './register-series.js';
import { TransactionRepository, type TransactionRow } from './transaction.repository.js';
import { stopClockOffset, stopTime } from './stop-time.js';
import { insertOrGetCorrectedStart } from './corrected-start.js';
import { CLOCK_CORRECTED_STOP, insertOrGetAheadStart, insertOrGetStampedStart, insertOrGetUnsetClockStart, repeatsUnsetClockStop } from './unset-clock.js';

/**
 * How far a charger's clock may run behind ours for its StartTransaction to still be the one a
 * remote start caused. Chargers set their clock from BootNotification and Heartbeat answers, so
 * minutes cover drift; a start stamped hours before the request was queued offline.
 */
const REMOTE_START_CLOCK_SKEW_S = 600;

/**
 * Start and stop rules: ids unique and durable, retries answered with the same id, stops
 * idempotent, energy from the meter registers. The CSMS cannot refuse a stop and must never lose
 * one, so an unknown transaction is acknowledged and kept for reconciliation.
 */
@Injectable()
export class TransactionService {
  /** A charger whose clock is wrong (far ahead, set back) stamps every session so: logged once per station and interval. */
  private readonly implausibleLog = new StationLogThrottle(UNSET_CLOCK_LOG_INTERVAL_MS);

  constructor(
    private readonly db: DataSource,
    private readonly transactions: TransactionRepository,
    private readonly authorization: AuthorizationService,
    private readonly remoteStarts: RemoteStartRepository,
    private readonly reservations: ReservationRepository,
    private readonly outbox: OutboxWriter,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly owners: TransactionOwners,
    private readonly stations: StationRepository,
  ) {}

  /**
   * Whether a StartTransaction comes from a station the operator refused: one answered Rejected at
   * boot, or set Rejected since while its session went on (an operator's change leaves a connected
   * session Unknown until it boots again, and a reconnect needs no boot, OCPP-J §5.4). The gate lets
   * such a known station's transaction messages through. Looked up only for a session not Accepted:
   * nothing is added for the others.
   */
  async stationRefused(stationId: string, registration: RegistrationState): Promise<boolean> {
    if (registration === 'Rejected') return true;
    return registration !== 'Accepted' && (await this.stations.admission(stationId))?.registrationStatus === 'Rejected';
  }

  /**
   * `receivedAt`: the message's receipt (now, for a caller handling it as it arrives), its time of
   * record when the charger's clock was unset or far ahead (`chargerTime`, unset-clock.ts): the start is then
   * authorised, matched to a remote start and a reservation, stored and published at that time,
   * and recognised when retried by its stamp as sent. `stationRejected`: the operator refused the
   * station (`stationRefused`: decommissioned, stolen, unpaid); its start is still
   * stored (the guide: transaction messages are processed rather than lost) but answered Invalid
   * without asking anyone, so no token of ours or a roaming partner's opens a session there.
   * `clockOffsetMs`: how far the connection found the charger's clock off ours (time.ts
   * `correctedTime`): a start sent as it happened is at its stamp corrected by it, for everything
   * above (a clock hours behind no longer starts it hours early, nor before our remote start).
   */
  async start(stationId: string, req: Ocpp16.StartTransactionRequest, receivedAt: Date = new Date(), stationRejected = false, clockOffsetMs?: number): Promise<Ocpp16.StartTransactionResponse> {
    const { at: startedAt, unset, ahead, corrected } = chargerTime(req.timestamp, receivedAt, clockOffsetMs);
    if (unset) {
      this.logger.warn({ stationId, connectorId: req.connectorId, timestamp: req.timestamp, receivedAt: receivedAt.toISOString() }, 'StartTransaction timestamp from an unset charger clock; started at receipt time');
    }
    if (ahead) this.logImplausible(stationId, 'StartTransaction timestamp ahead of receipt beyond the tolerance; started at receipt time', req.timestamp, receivedAt);
    if (corrected) this.logImplausible(stationId, `StartTransaction timestamp corrected by the charger clock's offset (${clockOffsetMs} ms)`, req.timestamp, receivedAt);
    // The charger may have authorised offline from stale data: decide again (outside the DB transaction,
    // since a roaming decision may take a few seconds), as of the start's own time (it may have been queued),
    // on its connector (which this start shows free: an earlier transaction there lost its stop).
    // An empty idTag (a free-vend charger's) is nobody's token: answered as an unknown one, but never
    // ConcurrentTx (under an accepting default every free-vend session but one would be stopped), nor
    // serialised on one tag lock with every other free-vend start.
    const tagged = req.idTag !== '' && !stationRejected;
    if (stationRejected) this.logger.warn({ stationId, connectorId: req.connectorId, idTagRef: idTagRef(req.idTag) }, 'StartTransaction from a station answered Rejected; stored and answered Invalid');
    const decided: IdTagInfo = stationRejected
      ? { status: 'Invalid' }
      : await this.authorization.authorize(stationId, req.idTag, tagged ? { at: startedAt, connectorId: req.connectorId } : { concurrentTx: false });
    // A START_SESSION's reference only for a start stamped after the command: not one queued offline before it.
    const authorizationReference = tagged ? await this.authorization.authorizationReference(stationId, req.idTag, { at: startedAt, clockSkewS: REMOTE_START_CLOCK_SKEW_S }) : undefined;
    // A START_SESSION's token is exempt from ConcurrentTx at its station: read (Redis) before the
    // database transaction, which must not stay open while Redis answers.
    const commanded = tagged && decided.status === 'Accepted' ? await this.authorization.commandedHere(stationId, req.idTag) : false;
    const answer = await this.db.transaction(async (tx) => {
      const idTagInfo = tagged ? await this.authorization.confirmStart(tx, stationId, req.idTag, decided, { at: startedAt, connectorId: req.connectorId, commanded }) : decided;
      const started = {
        stationId,
        connectorId: req.connectorId,
        idTag: req.idTag,
        idTagStatus: idTagInfo.status,
        meterStartWh: req.meterStart,
        startedAt,
        reservationId: req.reservationId,
        authorizationReference,
      };
      const { row, created } = unset
        ? await insertOrGetUnsetClockStart(this.transactions, tx, started, req)
        : ahead
          ? await insertOrGetAheadStart(this.transactions, tx, started, req)
          : corrected
            ? await insertOrGetCorrectedStart(this.transactions, tx, started, req)
            : await insertOrGetStampedStart(this.transactions, tx, started, req, receivedAt);
      if (!created) {
        return { transactionId: row.transactionId, idTagInfo: { ...idTagInfo, status: row.idTagStatus as IdTagInfo['status'] } };
      }
      // The remote start it settles (if any) is published with the start, in its transaction.
      const linked = await this.remoteStarts.started(tx, stationId, req.connectorId, req.idTag, row.transactionId, startedAt, REMOTE_START_CLOCK_SKEW_S);
      await publishSettled(this.outbox, tx, linked ? [linked] : []);
      await this.endReservation(tx, stationId, req, idTagInfo, row.transactionId, startedAt);
      // The reference as stored with the transaction: the hub echoes it in the eMSP's Session and CDR.
      const event = transactionStartedEvent({ ...req, stationId, transactionId: row.transactionId, startedAt, authorizationReference: row.authorizationReference, idTagStatus: idTagInfo.status });
      await this.publish(tx, Subjects.OcppTransactionStarted, event, { stationId, transactionId: row.transactionId });
      return { transactionId: row.transactionId, idTagInfo };
    });
    // Its MeterValues can then be stored without checking whose transaction they name.
    this.owners.remember(answer.transactionId, stationId);
    return answer;
  }

  /**
   * The charger ends a reservation when a transaction starts for its idTag or parent idTag on its
   * connector (any, for connector 0), OCPP 1.6 §5.13, and `reservationId` is optional: many chargers
   * leave it out. The one the start names is used as before; when it names none, or none the
   * charger may still have held (an id we never gave, one already used), the held reservation its
   * tag matches is used by it the same way. Whatever the start is answered (Invalid, Blocked,
   * Expired, ConcurrentTx): the charger started the transaction on its own authorisation, which
   * ended the reservation there; our idTagInfo comes after, and at most stops the transaction
   * (StopTransactionOnInvalidId), which gives no reservation back. Kept held here, it would read as
   * reserved (refusing others) until its expiry, then as expired rather than used.
   */
  private async endReservation(tx: EntityManager, stationId: string, req: Ocpp16.StartTransactionRequest, idTagInfo: IdTagInfo, transactionId: number, startedAt: Date): Promise<void> {
    if (req.reservationId !== undefined && (await this.reservations.markUsed(tx, stationId, req.reservationId, transactionId))) return;
    // An empty idTag (free vend) is nobody's token: it holds no reservation.
    if (req.idTag === '') return;
    const held = await this.reservations.heldOn(tx, stationId, req.connectorId);
    const ended = reservationEndedBy(held, { connectorId: req.connectorId, idTag: req.idTag, parentIdTag: idTagInfo.parentIdTag, startedAt });
    if (ended?.replacing) await this.reservations.markReplacedUsed(tx, stationId, ended.reservationId, transactionId);
    else if (ended) await this.reservations.markUsed(tx, stationId, ended.reservationId, transactionId);
  }

  /**
   * `receivedAt`: the time of record of the stop, and of its transactionData readings, stamped by an
   * unset clock or one far ahead (`chargerTime`, unset-clock.ts); the stop's also when stamped
   * before its start, though never before the start (`stopTime`). Such a stop is kept as sent.
   * `clockOffsetMs`: as for `start`; the stop and its readings sent as they happened are corrected by it.
   */
  async stop(stationId: string, req: Ocpp16.StopTransactionRequest, receivedAt: Date = new Date(), clockOffsetMs?: number): Promise<Ocpp16.StopTransactionResponse> {
    const unset = chargerTime(req.timestamp, receivedAt).unset;
    const receivedDataAt = (req.transactionData ?? []).map((mv) => chargerTime(mv.timestamp, receivedAt, clockOffsetMs));
    const unsetData = receivedDataAt.filter((t) => t.unset).length;
    if (unset || unsetData > 0) {
      this.logger.warn(
        { stationId, transactionId: req.transactionId, timestamp: req.timestamp, unsetTransactionData: unsetData, receivedAt: receivedAt.toISOString() },
        'StopTransaction timestamp from an unset charger clock; stored at receipt time',
      );
    }
    const started = await this.db.transaction(async (tx) => {
      const existing = await this.transactions.lockForStop(tx, stationId, req.transactionId);
      if (!existing) {
        // Start lost or discarded by the charger: acknowledge and keep the stop (once) for reconciliation.
        if (await this.transactions.storeOrphanStop(tx, stationId, req)) {
          this.logger.warn({ stationId, transactionId: req.transactionId }, 'StopTransaction for an unknown transaction kept as orphan');
        }
        return undefined;
      }
      // A start taken at its stamp as sent (no start_sent_at) and a stop after it from the same clock: neither corrected.
      const startAsSent = existing.startSentAt === null;
      const { at: stoppedAt, kept } = stopTime(req.timestamp, existing.startedAt, receivedAt, clockOffsetMs, startAsSent);
      const dataOffset = stopClockOffset(req.timestamp, existing.startedAt, receivedAt, clockOffsetMs, startAsSent);
      const dataAt = dataOffset === clockOffsetMs ? receivedDataAt : (req.transactionData ?? []).map((mv) => chargerTime(mv.timestamp, receivedAt, dataOffset));
      if (existing.stoppedAt !== null) {
        // A retry repeats the stop (register and time). Another stop under the id is a different
        // session (firmware that got no id for a session queued offline stops it under the last one
        // it had): its energy must not vanish behind the acknowledgement, so it is kept like an unknown one.
        // One of the two copies kept as sent (its stamp not taken, stop-time.ts) has another time of record.
        const retry =
          (existing.meterStopWh === req.meterStop && existing.stoppedAt.getTime() === stoppedAt.getTime()) ||
          (await repeatsUnsetClockStop(this.transactions, tx, existing, existing.stoppedAt, req));
        if (!retry && (await this.transactions.storeOrphanStop(tx, stationId, req))) {
          this.logger.warn({ stationId, transactionId: req.transactionId }, 'StopTransaction differing from the stop already stored kept as orphan');
        }
        return existing;
      }
      // Over the session's registers (register-series.ts): a meter that restarted during it is counted
      // from zero after the restart, the energy before it kept; a register just below the last one
      // (a rounding) delivered nothing, as did a negative one (a broken meter). The stop's own
      // transactionData follows the stored readings, less those of an unset clock or one far ahead: stamped at receipt,
      // they repeat samples of unknown place (read after the restart, a pre-restart one bills again).
      const readings = (req.transactionData ?? []).map((mv, j) => meterReadingOf(stationId, existing.connectorId, existing.transactionId, mv, dataAt[j]!.at).reading);
      const sent = readings.filter((_, j) => !dataAt[j]!.unset && !dataAt[j]!.ahead).flatMap(mainRegisters);
      const stored = endsInRestart(existing.meterStartWh, req.meterStop) ? await this.transactions.sessionRegisters(tx, existing) : [];
      const registers = keptRegisters([...stored, ...sent]);
      const energyWh = seriesDeliveredWh(existing.meterStartWh, registers, req.meterStop);
      // A MeterValue with an empty sampledValue (schema-valid) holds nothing to store.
      await this.transactions.insertMeterReadings(tx, readings.filter((r) => r.sampleCount > 0));
      // Stored as sent (a lenient charger's reason may be outside the enumeration, or not even text);
      // a JSON null is how some serialisers write an absent field, and absent means Local.
      const reason = req.reason == null ? 'Local' : typeof req.reason === 'string' ? req.reason : JSON.stringify(req.reason);
      await this.transactions.stop(tx, existing.transactionId, { meterStopWh: req.meterStop, stoppedAt, reason, idTag: req.idTag, energyWh, transactionData: req.transactionData });
      // Kept as sent: a retry, received later, is recognised by this stamp (unset-clock.ts).
      if (kept) await this.transactions.keepMessage(tx, stationId, kept, req, stoppedAt);
      if (kept && kept !== CLOCK_CORRECTED_STOP && !unset) this.logImplausible(stationId, `StopTransaction timestamp implausible (${kept}); stopped at receipt time`, req.timestamp, receivedAt);
      // The energy just stored: the hub settles the roaming CDR with it, as ocpp's views show it.
      const event = transactionStoppedEvent({ stationId, transactionId: existing.transactionId, idTag: req.idTag, meterStop: req.meterStop, stoppedAt, reason: req.reason ?? 'Local', energyWh });
      await this.publish(tx, Subjects.OcppTransactionStopped, event, { stationId, transactionId: existing.transactionId });
      return existing;
    });
    // An empty idTag (the schema allows it) is no tag: nothing to authorise, no idTagInfo.
    return req.idTag ? { idTagInfo: await this.stopAuthorization(stationId, req.idTag, started) } : {};
  }

  private logImplausible(stationId: string, message: string, timestamp: string, receivedAt: Date): void {
    const unlogged = this.implausibleLog.take(stationId, receivedAt);
    if (unlogged !== undefined) this.logger.warn({ stationId, timestamp, receivedAt: receivedAt.toISOString(), unloggedSince: unlogged }, `${message} (logged once per station and interval)`);
  }

  /**
   * StopTransaction.conf's idTagInfo updates the charger's Authorization Cache (OCPP 1.6 §4.10),
   * so it is the tag's current authorisation, asked after the commit (a roaming tag is asked of the
   * hub, which may take seconds). Never ConcurrentTx (OCPP 1.6 §7.2: only relevant to a start): not
   * for the transaction being stopped, nor for another session of the stopping tag (a card with the
   * same parent stopping this one while it charges elsewhere), which would enter the cache. The
   * stop is stored already and must be acknowledged: if the decision fails, the start's status
   * for the same tag (never ConcurrentTx), else Accepted. The same tag in any case: IdToken is a
   * CiString, and a card reported in another case at the stop is still the card that started.
   */
  private async stopAuthorization(stationId: string, idTag: string, started: TransactionRow | undefined): Promise<IdTagInfo> {
    try {
      return await this.authorization.authorize(stationId, idTag, { concurrentTx: false });
    } catch (err) {
      const stored = started?.idTag.toLowerCase() === idTag.toLowerCase() && started.idTagStatus !== 'ConcurrentTx' ? (started.idTagStatus as IdTagInfo['status']) : 'Accepted';
      this.logger.warn({ stationId, idTagRef: idTagRef(idTag), transactionId: started?.transactionId, err: (err as Error).message, answer: stored }, 'StopTransaction idTag not authorised again; answering the stored status');
      return { status: stored };
    }
  }

  /**
   * Enqueues a transaction event built for the contract; never fails the commit over it (the
   * charger would resend, then discard the message: guide §2.1). Adjustments and an event that
   * could not be built are logged; the database keeps the message as sent.
   */
  private async publish<S extends typeof Subjects.OcppTransactionStarted | typeof Subjects.OcppTransactionStopped>(
    tx: EntityManager,
    subject: S,
    built: BuiltEvent<EventMap[S]>,
    context: { stationId: string; transactionId: number },
  ): Promise<void> {
    if (built.adjusted.length > 0) this.logger.warn({ ...context, subject, adjusted: built.adjusted }, 'transaction event adjusted to the bus contract');
    if (!built.event) {
      this.logger.error({ ...context, subject, reason: built.invalid }, 'transaction event not expressible in the bus contract; stored without an event');
      return;
    }
    // transaction-events checked it against the contract already (that is how it knew to leave it out).
    await this.outbox.enqueue(tx, subject, built.event, { validate: false });
  }
}
