import { Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter, type OutboxEvent } from '@cpo/messaging';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { DataSource, type EntityManager } from 'typeorm';
import { ChargerCommits, type CommitPart } from '../persistence/charger-commits.js';
import { CommitBatcher } from '../persistence/commit-batcher.js';
import { StationLogThrottle, UNSET_CLOCK_LOG_INTERVAL_MS } from '../station-log-throttle.js';
import { AHEAD_TOLERANCE_MS, correctedTime, isUnsetClock, parseOcppTime } from '../time.js';
import { meterReadingOf } from './meter-samples.js';
import { insertNewMeterReadings, mayBeResent } from './resent-readings.js';
import { TransactionOwners } from './transaction-owners.js';
import { meterReadingsInsert, TransactionRepository, type MeterReading } from './transaction.repository.js';

interface Submission {
  stationId: string;
  req: Ocpp16.MeterValuesRequest;
  /** The time of record of each of its MeterValues (`chargerTime`), in their order. */
  at: Date[];
  /** Each MeterValue's stamp as sent (ISO) where `at` is another time (corrected, far ahead); absent when none is. */
  sentAt?: (string | undefined)[];
  /** When the message arrived: the time its log lines are throttled by (a charger's stamps may be anything). */
  receivedAt: Date;
  /** Its readings are stored only where no equal one is (mayBeResent): checked on the lookup path. */
  checked: boolean;
}

/**
 * MeterValues from every station, group-committed. Readings without a transaction id, or naming
 * another station's, are attached to the transaction running on that connector at their timestamp
 * (clock-aligned samples often lack it); connector 0 is the station's main meter. Unknown ids are
 * stored as sent, for reconciliation: the charger is always answered, since a CallError only
 * makes it resend.
 *
 * A MeterValue stamped by an unset clock (before 2010, `chargerTime`), or more than
 * AHEAD_TOLERANCE_MS ahead of its receipt (a wrong clock, whose transactions are recorded at
 * receipt too: its readings would otherwise lie hours after the session's stop), is stored,
 * published and attached at the message's receipt time: at 1970 no "latest reading" query (the planner, the
 * hub's usage periods, the running energy) ever found it, and a reading without a transaction id
 * found no session running in 1970. The several MeterValues of one such message (a few seconds
 * apart by the charger's clock) then share that time: `meter_readings` has no unique key on it,
 * so none is dropped, and readers break the tie by insertion order (id), the charger's order,
 * so its last reading is still the latest.
 *
 * A charger resends a MeterValues whose answer it never got on its next connection, perhaps to
 * another replica, whose message-id memory never saw it. A message with a reading sampled before
 * its connection opened, received in the connection's first minutes (from its accepted boot for a
 * station Pending at first; mayBeResent: the resend comes first), therefore takes the lookup path,
 * where a reading equal to a stored one (station, connector, time of record or stamp as sent, samples:
 * the new connection may correct the stamp otherwise, resent-readings.ts) is skipped and publishes
 * nothing; so does one stamped far ahead (stored at receipt: when it was sampled is not known). The
 * rest, nearly all, keep the direct path unchecked: a resend on the same connection carries a
 * remembered id.
 */
@Injectable()
export class MeterValuesService {
  /** Readings whose transaction must be looked up: that needs a transaction around the lookup. */
  private readonly lookups: CommitBatcher<Submission, void>;
  /** A charger whose clock stays unset stamps every MeterValues so: logged per station and interval, not per message. */
  private readonly unsetClockLog = new StationLogThrottle(UNSET_CLOCK_LOG_INTERVAL_MS);
  /**
   * A charger stuck on another station's transaction id (firmware keeping a stale id) names it in
   * every MeterValues, for as long as it stays stuck: logged per station and interval too. Only that
   * path (the lookup, a query per batch anyway) touches it, never the usual direct one.
   */
  private readonly foreignTransactionLog = new StationLogThrottle(UNSET_CLOCK_LOG_INTERVAL_MS);
  /**
   * Readings that carry their transaction id (the usual case): their rows and events are CTEs of the
   * shared charger-message statement (with statuses), one atomic, durable transaction and one round
   * trip (four with BEGIN/INSERT/INSERT/COMMIT, which cost most of the service's socket writes).
   */
  private readonly part: CommitPart<Submission> = {
    key: 'meter_values',
    build: (items, firstParam) => {
      const ids = items.map(givenTransactionId);
      const { readings, events } = this.readingsOf(items, (i) => ids[i] ?? null);
      const meter = meterReadingsInsert(readings, firstParam);
      if (events.length === 0) return { ctes: `meter_ins AS (${meter.sql})`, params: meter.params, outbox: [] };
      // Unchecked here: meterReadingOf builds contract-valid events by construction (its spec checks them
      // against the contract); a zod pass per event was a visible share of the service's CPU.
      const outbox = this.outbox.statement(events, firstParam + meter.params.length, { name: 'meter_outbox', packed: true, validate: false });
      return { ctes: `meter_ins AS (${meter.sql}), ${outbox.cte}`, params: [...meter.params, ...outbox.params], outbox: [outbox] };
    },
  };

  constructor(
    db: DataSource,
    private readonly transactions: TransactionRepository,
    private readonly outbox: OutboxWriter,
    private readonly commits: ChargerCommits,
    private readonly owners: TransactionOwners,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.lookups = new CommitBatcher(db, (items, tx) => this.write(items, tx), { maxBatch: 500, concurrency: 2 });
  }

  /**
   * `connectedAt`: when the connection the message came on opened, `acceptedAt` when its boot was
   * accepted (mayBeResent). `clockOffsetMs`:
   * how far the connection found the charger's clock off ours: a value sampled as sent is at its
   * stamp corrected by it (time.ts `correctedTime`), as its session's start and stop are.
   */
  record(stationId: string, req: Ocpp16.MeterValuesRequest, receivedAt: Date, connectedAt: Date, clockOffsetMs?: number, acceptedAt?: Date): Promise<void> {
    // One array per message on this path (~9,000 CALLs/s): no per-value objects.
    const at = new Array<Date>(req.meterValue.length);
    // Only for a message with a reading stored elsewhere than its stamp (a charger clock far off ours).
    let sentAt: (string | undefined)[] | undefined;
    let unset = 0;
    let earliest = Number.POSITIVE_INFINITY;
    const latest = receivedAt.getTime() + AHEAD_TOLERANCE_MS;
    for (let j = 0; j < at.length; j++) {
      const sent = parseOcppTime(req.meterValue[j]!.timestamp);
      const ms = sent.getTime();
      const unsetClock = isUnsetClock(sent);
      const fixed = clockOffsetMs === undefined || unsetClock ? undefined : correctedTime(ms, receivedAt.getTime(), clockOffsetMs);
      const notATime = fixed === undefined && (unsetClock || ms > latest);
      if (notATime) unset++;
      else if ((fixed ?? ms) < earliest) earliest = fixed ?? ms;
      at[j] = notATime ? receivedAt : fixed === undefined ? sent : new Date(fixed);
      // Kept as sent (a resend is matched on it: the next connection may correct it otherwise or not at
      // all), but not an unset clock's: its stamps repeat after each power loss.
      const farAhead = notATime && !unsetClock;
      if (fixed !== undefined || farAhead) (sentAt ??= new Array<string | undefined>(at.length))[j] = sent.toISOString();
      // Stored at receipt, a stamp far ahead tells nothing of when it was sampled: maybe before this connection.
      if (farAhead) earliest = Number.NEGATIVE_INFINITY;
    }
    const unlogged = unset > 0 ? this.unsetClockLog.take(stationId, receivedAt) : undefined;
    if (unlogged !== undefined) {
      this.logger.warn(
        { stationId, connectorId: req.connectorId, transactionId: req.transactionId, notATimeMeterValues: unset, unloggedSince: unlogged, receivedAt: receivedAt.toISOString() },
        'MeterValues timestamp from an unset charger clock or one far ahead; stored at receipt time (logged once per station and interval)',
      );
    }
    const item: Submission = { stationId, req, at, sentAt, receivedAt, checked: mayBeResent(earliest, connectedAt, receivedAt, acceptedAt) };
    const named = givenTransactionId(item);
    const direct = !item.checked && (named === null ? !needsLookup(item) : this.owners.stationOf(named) === stationId);
    return direct ? this.commits.submit(this.part, item) : this.lookups.submit(item);
  }

  /**
   * Each MeterValue is attached to the transaction running on its connector at ITS time of record: a
   * message may span a session's start or stop (readings queued offline, clock-aligned samples).
   * One lookup query for the whole batch.
   */
  private async write(items: Submission[], tx: EntityManager): Promise<void[]> {
    const named = await this.ownTransactionIds(items, tx);
    const keys: { stationId: string; connectorId: number; at: Date }[] = [];
    // Per item, the index in `keys` of each of its MeterValues (undefined: the item names its transaction).
    const keyOf: (number[] | undefined)[] = items.map((item, i) => {
      const { connectorId, meterValue } = item.req;
      if (named[i] !== null || !(connectorId > 0)) return undefined;
      return meterValue.map((_, j) => keys.push({ stationId: item.stationId, connectorId, at: item.at[j]! }) - 1);
    });
    const found = await this.transactions.activeAt(tx, keys);
    const transactionOf = (i: number, j: number) => {
      const k = keyOf[i]?.[j];
      return k === undefined ? (named[i] ?? null) : (found[k] ?? null);
    };
    const { readings, events } = this.readingsOf(items, transactionOf, (item) => !item.checked);
    await this.transactions.insertMeterReadings(tx, readings);
    await this.outbox.enqueueMany(tx, events);
    if (items.some((item) => item.checked)) {
      // A reading carries at most one event (none without samples): kept with it, published only if it was stored.
      const checked = this.readingsOf(items, transactionOf, (item) => item.checked);
      const inserted = await insertNewMeterReadings(tx, checked.readings);
      await this.outbox.enqueueMany(tx, inserted.flatMap((r) => checked.eventOf[r] ?? []));
    }
    return items.map(() => undefined);
  }

  /**
   * Per item, the transaction id it names if that is not another station's (an id we do not know is
   * kept as sent, for reconciliation: guide §2.1), else null: its readings are then looked up on
   * their connector like readings without an id.
   */
  private async ownTransactionIds(items: Submission[], tx: EntityManager): Promise<(number | null)[]> {
    const ids = items.map(givenTransactionId);
    const unchecked = [...new Set(ids.filter((id, i): id is number => id !== null && this.owners.stationOf(id) !== items[i]!.stationId))];
    const stations = unchecked.length === 0 ? new Map<number, string>() : await this.transactions.stationsOf(tx, unchecked);
    return ids.map((id, i) => {
      if (id === null) return null;
      const { stationId, receivedAt } = items[i]!;
      const owner = this.owners.stationOf(id) ?? stations.get(id);
      if (owner === undefined) return id;
      if (owner !== stationId) {
        const unlogged = this.foreignTransactionLog.take(stationId, receivedAt);
        if (unlogged !== undefined) {
          this.logger.warn(
            { stationId, transactionId: id, owner, unloggedSince: unlogged },
            "MeterValues named another station's transaction: attached by connector and time instead (logged once per station and interval)",
          );
        }
        return null;
      }
      this.owners.remember(id, owner);
      return id;
    });
  }

  /**
   * `transactionOf(i, j)`: the transaction of item i's j-th MeterValue; `only`: the items to take.
   * `eventOf[r]`: the event of `readings[r]`, if any.
   */
  private readingsOf(
    items: Submission[],
    transactionOf: (item: number, meterValue: number) => number | null,
    only?: (item: Submission) => boolean,
  ): { readings: MeterReading[]; events: OutboxEvent[]; eventOf: (OutboxEvent | undefined)[] } {
    const readings: MeterReading[] = [];
    const events: OutboxEvent[] = [];
    const eventOf: (OutboxEvent | undefined)[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (only && !only(item)) continue;
      item.req.meterValue.forEach((mv, j) => {
        const { reading, event } = meterReadingOf(item.stationId, item.req.connectorId, transactionOf(i, j), mv, item.at[j]!);
        const sentAt = item.sentAt?.[j];
        if (sentAt !== undefined) reading.sentAt = sentAt;
        const outboxEvent: OutboxEvent | undefined = event && { subject: Subjects.OcppMeterSampled, payload: event };
        // An empty sampledValue (schema-valid) is answered like any MeterValues but leaves no reading: it holds nothing (nor an event).
        if (reading.sampleCount > 0) {
          readings.push(reading);
          eventOf.push(outboxEvent);
        }
        if (outboxEvent) events.push(outboxEvent);
      });
    }
    return { readings, events, eventOf };
  }
}

function givenTransactionId(item: Submission): number | null {
  const id = item.req.transactionId;
  return id && id > 0 ? id : null;
}

/**
 * Readings without a transaction id are attached by a lookup, which needs a transaction around it.
 * Our ids are positive: firmware that writes -1 (or 0) for "none" names no transaction either.
 */
function needsLookup(item: Submission): boolean {
  const { connectorId } = item.req;
  return givenTransactionId(item) === null && connectorId > 0 && item.req.meterValue.length > 0;
}
