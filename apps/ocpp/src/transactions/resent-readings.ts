import { toJsonParameter } from '@cpo/messaging';
import type { EntityManager } from 'typeorm';
import type { MeterReading } from './transaction.repository.js';

/**
 * How far a charger's clock may run ahead of ours and a MeterValue it sampled before its current
 * connection still count as such. Chargers set their clock from our BootNotification/Heartbeat
 * answers (or NTP), so seconds cover them; the lost-answer case also has the reconnection delay
 * (a dead socket noticed, a back-off) on its side. Kept small on purpose: every MeterValues of a
 * connection's first seconds takes the checked path, and a benchmark or a fleet's reconnection
 * storm starts sampling right after connecting.
 */
export const RESEND_CLOCK_SKEW_MS = 5_000;

/**
 * How long after its connection opened, or was accepted, a MeterValues may still be a resend from an
 * earlier one. A charger has one CALL in flight (OCPP-J §4.1.1), so only one message lost its answer,
 * and it is the first it sends again on its next connection (transaction messages in order, OCPP 1.6
 * §3.7.1), after at most a BootNotification and its statuses: seconds. A station answered Pending sends
 * no transaction messages until a boot is accepted (§4.2.1), which may take an operator hours: the
 * window then counts from that acceptance. Without the
 * bound, a charger clock behind ours (a local time west of Greenwich sent as UTC, hours behind) stamps
 * every reading before the opening, and each of its MeterValues took the checked path (a read of
 * meter_readings and a transaction of its own, off the group commit) for as long as it stayed behind.
 */
export const RESEND_WINDOW_MS = 10 * 60_000;

/**
 * Whether a MeterValues may be a resend from an earlier connection (its answer lost: the socket cut,
 * the replica killed after the commit), which the message-id memory of this connection cannot know:
 * that needs a reading sampled before the connection opened, received within RESEND_WINDOW_MS of
 * the later of the opening and `acceptedAt`, the connection's first accepted boot (a station Pending
 * until then resends after it; a reading sampled meanwhile was queued, never sent: still only those
 * sampled before the opening). `earliestSampledMs`: the earliest charger stamp of its MeterValues
 * taken as their time of record, Infinity for none (all stored at receipt: an unset or far-ahead
 * clock; a resend of those is stored at another receipt time, and nothing tells it from a new reading).
 */
export function mayBeResent(earliestSampledMs: number, connectedAt: Date, receivedAt: Date, acceptedAt?: Date): boolean {
  const windowFrom = Math.max(connectedAt.getTime(), acceptedAt?.getTime() ?? Number.NEGATIVE_INFINITY);
  return earliestSampledMs < connectedAt.getTime() + RESEND_CLOCK_SKEW_MS && receivedAt.getTime() < windowFrom + RESEND_WINDOW_MS;
}

/**
 * Inserts the readings that no stored one equals (station, connector, samples as stored, and time:
 * a MeterValues resent after its answer was lost), returning the indexes of those inserted. Equal in
 * time: the same time of record, or the same stamp as sent, whatever either connection's clock offset
 * made of it (`sent_at`, set only for a reading stored elsewhere than its stamp): corrected on the
 * first connection and resent on one with no offset measured yet, the resend fell at its stamp, hours
 * from the stored reading, and was stored again. Found through `meter_readings_station_time` (the
 * time of record, or the stamp of a reading stored at it) and `meter_readings_sent` (the others).
 * Readings of the same call are never compared with each other.
 */
export async function insertNewMeterReadings(tx: EntityManager, readings: MeterReading[]): Promise<number[]> {
  if (readings.length === 0) return [];
  const rows: { ord: number }[] = await tx.query(
    `WITH r AS MATERIALIZED (
       SELECT *, COALESCE("sentAt", "sampledAt") AS stamp FROM json_to_recordset($1::json)
           AS r("stationId" text, "connectorId" int, "transactionId" int, "sampledAt" timestamptz, "sentAt" timestamptz, samples json, "sampleCount" int, ord int)),
     n AS MATERIALIZED (
       SELECT * FROM r
        WHERE NOT EXISTS (SELECT 1 FROM meter_readings m
                           WHERE m.station_id = r."stationId" AND m.sampled_at IN (r."sampledAt", r.stamp) AND m.connector_id = r."connectorId"
                             AND (m.sampled_at = r."sampledAt" OR m.sent_at IS NULL) AND m.samples::text = r.samples::text)
          AND NOT EXISTS (SELECT 1 FROM meter_readings m
                           WHERE m.station_id = r."stationId" AND m.sent_at = r.stamp AND m.connector_id = r."connectorId"
                             AND m.samples::text = r.samples::text)),
     ins AS (INSERT INTO meter_readings (station_id, connector_id, transaction_id, sampled_at, samples, sample_count, sent_at)
             SELECT "stationId", "connectorId", "transactionId", "sampledAt", samples, "sampleCount", "sentAt" FROM n)
     SELECT ord FROM n ORDER BY ord`,
    [toJsonParameter(readings.map((reading, ord) => ({ ...reading, ord })))],
  );
  return rows.map((r) => Number(r.ord));
}
