import { priceSession, type UsagePeriod } from '@cpo/ocpi-protocol';

type Json = Record<string, unknown>;

/**
 * The 2.2.1 CDR of a completed own Session: Location, EVSE and connector data as they are in the
 * cached Location at the stop (the hub keeps no history of them), the Tariff the connector names,
 * one charging period with the energy, charging time and parking time (periods without energy,
 * see usage-periods.ts), and the price under that Tariff with its
 * restrictions evaluated in the Location's `time_zone`, interval by interval between the meter
 * readings (`periods`; without them the energy counts as delivered evenly from start to stop).
 * `stop.at` is the charger's stop time, `stop.lastUpdated` the hub's time of making the CDR.
 */
export function buildOwnCdr(session: Json, location: Json | undefined, tariff: Json | undefined, stop: { at: string; kwh: number; periods?: UsagePeriod[]; lastUpdated: string }): Json {
  const evse = ((location?.evses as Json[] | undefined) ?? []).find((e) => e.uid === session.evse_uid) ?? {};
  const connector = ((evse.connectors as Json[] | undefined) ?? []).find((c) => c.id === session.connector_id) ?? {};
  const start = String(session.start_date_time);
  const hours = Math.max(0, (Date.parse(stop.at) - Date.parse(start)) / 3_600_000);
  const periods = stop.periods ?? [{ end: stop.at, kwh: stop.kwh }];
  const cost = priceSession(tariff, { start, timeZone: typeof location?.time_zone === 'string' ? location.time_zone : undefined, periods });
  let parkingMs = 0;
  let fromMs = Date.parse(start);
  for (const p of periods) {
    const endMs = Date.parse(p.end);
    if (p.parking) parkingMs += Math.max(0, endMs - fromMs);
    fromMs = endMs;
  }
  const round4 = (h: number) => Math.round(h * 10_000) / 10_000;
  const parkingHours = round4(parkingMs / 3_600_000);
  return {
    country_code: session.country_code,
    party_id: session.party_id,
    id: String(session.id),
    start_date_time: start,
    end_date_time: stop.at,
    session_id: session.id,
    cdr_token: session.cdr_token,
    auth_method: session.auth_method,
    ...(session.authorization_reference ? { authorization_reference: session.authorization_reference } : {}),
    cdr_location: {
      id: session.location_id,
      ...(location?.name !== undefined ? { name: location.name } : {}),
      address: location?.address,
      city: location?.city,
      ...(location?.postal_code !== undefined ? { postal_code: location.postal_code } : {}),
      country: location?.country,
      coordinates: location?.coordinates,
      evse_uid: session.evse_uid,
      evse_id: evse.evse_id ?? session.evse_uid,
      connector_id: session.connector_id,
      connector_standard: connector.standard,
      connector_format: connector.format,
      connector_power_type: connector.power_type,
    },
    currency: tariff?.currency ?? session.currency,
    ...(tariff ? { tariffs: [tariff] } : {}),
    charging_periods: [
      {
        start_date_time: start,
        // TIME is time charging, PARKING_TIME time plugged in but not charging (2.2.1 CdrDimensionType).
        dimensions: [{ type: 'ENERGY', volume: stop.kwh }, { type: 'TIME', volume: round4(hours - parkingHours) }, ...(parkingHours > 0 ? [{ type: 'PARKING_TIME', volume: parkingHours }] : [])],
        ...(tariff ? { tariff_id: tariff.id } : {}),
      },
    ],
    total_cost: cost.total,
    ...(cost.fixed ? { total_fixed_cost: cost.fixed } : {}),
    ...(cost.energy ? { total_energy_cost: cost.energy } : {}),
    ...(cost.time ? { total_time_cost: cost.time } : {}),
    ...(cost.parking ? { total_parking_cost: cost.parking } : {}),
    total_energy: stop.kwh,
    // The whole session, charging and not charging.
    total_time: round4(hours),
    ...(parkingHours > 0 ? { total_parking_time: parkingHours } : {}),
    // When the hub made it (processedAt), not the stop: eMSPs poll CDRs by it.
    last_updated: stop.lastUpdated,
  };
}
