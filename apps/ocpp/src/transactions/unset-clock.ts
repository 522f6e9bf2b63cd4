import type { Ocpp16 } from '@cpo/ocpp-protocol';
import type { EntityManager } from 'typeorm';
import { AHEAD_TOLERANCE_MS, parseOcppTime } from '../time.js';
import type { NewTransaction, TransactionRepository, TransactionRow } from './transaction.repository.js';

/**
 * Transaction messages stamped by an unset charger clock (before 2010, `chargerTime`) are recorded
 * at their receipt time: `started_at`/`stopped_at`, the events, the meter readings. What identifies
 * a message must stay the charger's stamp, though: a retried StartTransaction is recognised by
 * (station, connector, tag, timestamp, meterStart) and a retried StopTransaction by its register
 * and time (guide §2.1), and a retry arrives later, with another receipt time. So the message is
 * kept as sent in `station_messages` (`kind` below), received at its time of record (the time the
 * transaction started or stopped): the stamp as sent is found from the transaction through it, and
 * the operator sees what the charger sent (GET /stations/{id}/messages). The start's unique index
 * stays what it is, and such starts (rare) are serialised per station instead; a start kept as
 * ahead also has its stamp in `start_sent_at` (insertOrGetAheadStart).
 */
export const UNSET_CLOCK_START = 'StartTransactionUnsetClock';
export const UNSET_CLOCK_STOP = 'StopTransactionUnsetClock';
/**
 * The same handling, kinds of their own for the operator: a stamp beyond AHEAD_TOLERANCE_MS in the
 * future (time.ts), a stop stamped before its transaction's start (stop-time.ts).
 */
export const CLOCK_AHEAD_START = 'StartTransactionClockAhead';
export const CLOCK_AHEAD_STOP = 'StopTransactionClockAhead';
export const STOP_BEFORE_START = 'StopTransactionBeforeStart';
/** A stop whose stamp was corrected by its connection's clock offset (time.ts `correctedTime`). */
export const CLOCK_CORRECTED_STOP = 'StopTransactionClockCorrected';
/** Every kind a StopTransaction is kept as when its stamp is not its time of record. */
export const KEPT_STOP_KINDS = [UNSET_CLOCK_STOP, CLOCK_AHEAD_STOP, STOP_BEFORE_START, CLOCK_CORRECTED_STOP];

/** The same instant (as the start's key compares `started_at`), however the charger wrote it. */
function sameStamp(kept: unknown, raw: string): boolean {
  return typeof kept === 'string' && parseOcppTime(kept).getTime() === parseOcppTime(raw).getTime();
}

/**
 * How long a start may be in hand (authorised, possibly by a roaming hub, then stored) while the
 * charger resends it elsewhere (a new socket, another replica): a copy received within the
 * tolerance can meet, uncommitted, a first copy kept as ahead only if its stamp is within this of
 * the tolerance's edge.
 */
const IN_HAND_MS = 60_000;

/**
 * `insertOrGet` for a start stamped by an unset clock (`t.startedAt` its receipt), kept as
 * UNSET_CLOCK_START: the transaction an earlier copy of the same start (same stamp as sent, same
 * key otherwise) created, else a new one, its StartTransaction kept as sent. A second session from
 * the same unset clock has another stamp (the clock runs from the epoch), so it is not taken for a
 * retry; nor is a stopped one (`startsKeptAs`).
 */
export async function insertOrGetUnsetClockStart(
  transactions: TransactionRepository,
  tx: EntityManager,
  t: NewTransaction,
  req: Ocpp16.StartTransactionRequest,
): Promise<{ row: TransactionRow; created: boolean }> {
  await transactions.lockUnsetClockStarts(tx, t.stationId);
  const earlier = (await transactions.startsKeptAs(tx, UNSET_CLOCK_START, t)).find((s) => sameStamp(s.sentTimestamp, req.timestamp));
  if (earlier) return { row: earlier.row, created: false };
  // A copy handled by a replica of the previous release (a rolling update) was stored at its stamp, with no message kept.
  const stamped = await transactions.runningStartAt(tx, { ...t, startedAt: parseOcppTime(req.timestamp) });
  if (stamped) return { row: stamped, created: false };
  // No stamp to look for in start_sent_at: an epoch stamp recurs after each power loss.
  const inserted = await transactions.insertOrGet(tx, t, null);
  if (inserted.created) await transactions.keepMessage(tx, t.stationId, UNSET_CLOCK_START, req, t.startedAt);
  return inserted;
}

/**
 * `insertOrGet` for a start stamped beyond the tolerance ahead (`t.startedAt` its receipt), kept as
 * CLOCK_AHEAD_START and with its stamp as sent in `start_sent_at`, by which any later copy finds it,
 * whenever received and whether or not stopped since, as the start key finds a stamped start's. A
 * stamp is no epoch: a wrong clock still runs forward, so no later session repeats it. Also found,
 * under the lock of such starts: a copy kept as ahead by a replica of the previous release (a
 * rolling update: message kept, no `start_sent_at`), and one a copy received within the tolerance
 * stored at its stamp while this one was being authorised.
 */
export async function insertOrGetAheadStart(
  transactions: TransactionRepository,
  tx: EntityManager,
  t: NewTransaction,
  req: Ocpp16.StartTransactionRequest,
): Promise<{ row: TransactionRow; created: boolean }> {
  const sentAt = parseOcppTime(req.timestamp);
  await transactions.lockUnsetClockStarts(tx, t.stationId);
  const earlier = (await transactions.startsKeptAs(tx, CLOCK_AHEAD_START, t)).find((s) => sameStamp(s.sentTimestamp, req.timestamp));
  if (earlier) return { row: earlier.row, created: false };
  const stamped = await transactions.runningStartAt(tx, { ...t, startedAt: sentAt });
  if (stamped) return { row: stamped, created: false };
  const inserted = await transactions.insertOrGet(tx, { ...t, startSentAt: sentAt }, sentAt);
  if (inserted.created) await transactions.keepMessage(tx, t.stationId, CLOCK_AHEAD_START, req, t.startedAt);
  return inserted;
}

/** Whether a start whose stamp was taken may be a copy of one kept as ahead still in hand (IN_HAND_MS). */
export function needsAheadLock(startedAt: Date, receivedAt: Date): boolean {
  return startedAt.getTime() > receivedAt.getTime() + AHEAD_TOLERANCE_MS - IN_HAND_MS;
}

/**
 * `insertOrGet` for a start whose stamp was taken. A copy of a start kept as ahead, resent once its
 * stamp came within the tolerance or had passed, is found by the insert itself (`start_sent_at`).
 * A first copy kept without that column (by a pod of an earlier release: before the migration, or
 * during the rollout, which old pods keep serving) is found only through its kept message, as the
 * earlier release found it: looked up while the stamp is still ahead of this receipt, the only
 * case that release covered, so a start stamped at or before its receipt pays no lookup. A stamp
 * near the tolerance's edge (`needsAheadLock`, within that case) waits on the lock of such starts,
 * so that the insert sees a first copy's commit.
 */
export async function insertOrGetStampedStart(
  transactions: TransactionRepository,
  tx: EntityManager,
  t: NewTransaction,
  req: Ocpp16.StartTransactionRequest,
  receivedAt: Date,
): Promise<{ row: TransactionRow; created: boolean }> {
  if (t.startedAt.getTime() > receivedAt.getTime()) {
    if (needsAheadLock(t.startedAt, receivedAt)) await transactions.lockUnsetClockStarts(tx, t.stationId);
    const earlier = (await transactions.startsKeptAs(tx, CLOCK_AHEAD_START, t)).find((s) => sameStamp(s.sentTimestamp, req.timestamp));
    if (earlier) return { row: earlier.row, created: false };
  }
  return transactions.insertOrGet(tx, t);
}

/**
 * Whether a stop repeats the stop stored for `stopped` at `stoppedAt` when their times of record
 * differ: one of them was kept as sent (KEPT_STOP_KINDS, at that stop's time of record), and the
 * retry carries the same stamp, whether or not its own stamp was taken this time.
 */
export async function repeatsUnsetClockStop(
  transactions: TransactionRepository,
  tx: EntityManager,
  stopped: TransactionRow,
  stoppedAt: Date,
  req: Ocpp16.StopTransactionRequest,
): Promise<boolean> {
  if (stopped.meterStopWh !== req.meterStop) return false;
  // Stored at its stamp by a replica of the previous release (a rolling update): no message kept.
  if (sameStamp(stopped.stoppedAt?.toISOString(), req.timestamp)) return true;
  const kept = await transactions.stopStampsKeptAs(tx, KEPT_STOP_KINDS, stopped.stationId, stopped.transactionId, stoppedAt);
  return kept.some((sent) => sameStamp(sent, req.timestamp));
}
