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
 * How long after its connection opened a MeterValues may still be a resend from an earlier one. A
 * charger has one CALL in flight (OCPP-J §4.1.1), so only one message lost its answer, and it is the
 * first it sends again on its next connection (transaction messages in order, OCPP 1.6 §3.7.1), after
 * at most a BootNotification and its statuses: seconds, minutes with a Pending boot. Without the
 * bound, a charger clock behind ours (a local time west of Greenwich sent as UTC, hours behind) stamps
 * every reading before the opening, and each of its MeterValues took the checked path (a read of
 * meter_readings and a transaction of its own, off the group commit) for as long as it stayed behind.
 */
export const RESEND_WINDOW_MS = 10 * 60_000;

/**
 * Whether a MeterValues may be a resend from an earlier connection (its answer lost: the socket cut,
 * the replica killed after the commit), which the message-id memory of this connection cannot know:
 * that needs a reading sampled before the connection opened, received within RESEND_WINDOW_MS of
 * the opening. `earliestSampledMs`: the earliest charger stamp of its MeterValues taken as their
 * time of record, Infinity for none (all stored at receipt: an unset or far-ahead clock; a resend of
 * those is stored at another receipt time, and nothing tells it from a new reading).
 */
export function mayBeResent(earliestSampledMs: number, connectedAt: Date, receivedAt: Date): boolean {
  return earliestSampledMs < connectedAt.getTime() + RESEND_CLOCK_SKEW_MS && receivedAt.getTime() < connectedAt.getTime() + RESEND_WINDOW_MS;
}

/**
 * Inserts the readings that no stored one equals (station, connector, time of record and samples
 * as stored: a MeterValues resent after its answer was lost), through `meter_readings_station_time`;
 * returns the indexes of those inserted. Readings of the same call are never compared with each other.
 */
export async function insertNewMeterReadings(tx: EntityManager, readings: MeterReading[]): Promise<number[]> {
  if (readings.length === 0) return [];
  const rows: { ord: number }[] = await tx.query(
    `WITH r AS MATERIALIZED (
       SELECT * FROM json_to_recordset($1::json)
           AS r("stationId" text, "connectorId" int, "transactionId" int, "sampledAt" timestamptz, samples json, "sampleCount" int, ord int)
        WHERE NOT EXISTS (SELECT 1 FROM meter_readings m
                           WHERE m.station_id = r."stationId" AND m.sampled_at = r."sampledAt" AND m.connector_id = r."connectorId"
                             AND m.samples::text = r.samples::text)),
     ins AS (INSERT INTO meter_readings (station_id, connector_id, transaction_id, sampled_at, samples, sample_count)
             SELECT "stationId", "connectorId", "transactionId", "sampledAt", samples, "sampleCount" FROM r)
     SELECT ord FROM r ORDER BY ord`,
    [toJsonParameter(readings.map((reading, ord) => ({ ...reading, ord })))],
  );
  return rows.map((r) => Number(r.ord));
}
