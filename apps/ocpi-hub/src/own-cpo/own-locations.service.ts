import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, ROOT_LOGGER, ValidationError } from '@cpo/platform';
import { describe, Location221, mergeIntoLocation, parseDateTime } from '@cpo/ocpi-protocol';
import type { OcppConnectorStatus } from '@cpo/contracts';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { BroadcastService, type BroadcastJob } from '../objects/broadcast.service.js';
import { LOCATIONS } from '../objects/module-spec.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { evseStatusOf } from './evse-status.js';
import { OwnPartyService } from './own-party.service.js';
import { processedAt } from './processed-at.js';

type Json = Record<string, unknown>;

/** Which OCPP station connector is which EVSE of an own Location. */
export interface EvseMapping {
  evseUid: string;
  stationId: string;
  connectorId: number;
}

/**
 * The Locations of the platform's own chargers: the operator describes each Location (address,
 * EVSEs) and which station connector every EVSE is; charger status notifications then keep the
 * EVSE statuses current and are broadcast like any CPO's pushes.
 */
@Injectable()
export class OwnLocationsService {
  constructor(
    private readonly objects: ObjectsRepository,
    private readonly broadcast: BroadcastService,
    private readonly own: OwnPartyService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async put(id: string, location: unknown, evses: EvseMapping[]): Promise<Json> {
    const party = this.own.get();
    const body: Json = { ...(location as Json), country_code: party.countryCode, party_id: party.partyId, id };
    const parsed = Location221.safeParse(body);
    if (!parsed.success) throw new ValidationError(`invalid Location: ${describe(parsed.error)}`);
    const uids = new Set(((body.evses as Json[] | undefined) ?? []).map((e) => e.uid));
    const stray = evses.filter((m) => !uids.has(m.evseUid));
    if (stray.length > 0) throw new ValidationError(`mapped EVSEs missing from the Location: ${stray.map((m) => m.evseUid).join(', ')}`);
    const owner = { countryCode: party.countryCode, partyId: party.partyId };
    await this.objects.transaction(async (tx) => {
      // The hub's time of the edit (processedAt), never before the stored one: the operator's date
      // (a description file's) would take the Location back behind the statuses' PATCHes, out of the
      // eMSPs' next date_from poll, and a PUT older than what an eMSP holds is dropped by it.
      const previous = await this.objects.get('locations', owner, id, '', tx, true);
      body.last_updated = processedAt(later(body.last_updated, previous?.data.last_updated));
      const mappedBefore: EvseMapping[] = (await tx.query(`SELECT station_id, connector_id, evse_uid FROM ocpi_own_evse WHERE location_id = $1`, [id])).map(
        (r: { station_id: string; connector_id: number; evse_uid: string }) => ({ evseUid: r.evse_uid, stationId: r.station_id, connectorId: r.connector_id }),
      );
      keepLiveStatuses(body, previous?.data, mappedBefore, evses);
      await this.objects.upsert(tx, { module: 'locations', ...owner, objectId: id, objectType: '', data: body, sourceVersion: '2.2.1' }, parseDateTime(String(body.last_updated))!);
      await tx.query(`DELETE FROM ocpi_own_evse WHERE location_id = $1`, [id]);
      for (const m of evses) {
        await tx.query(`INSERT INTO ocpi_own_evse (station_id, connector_id, location_id, evse_uid) VALUES ($1, $2, $3, $4)`, [m.stationId, m.connectorId, id, m.evseUid]);
      }
    });
    this.broadcast.schedule({ spec: LOCATIONS, path: { owner, objectId: id }, method: 'PUT', body, stored: body, correlationId: randomUUID() });
    return body;
  }

  async get(id: string): Promise<Json> {
    const party = this.own.get();
    const found = await this.objects.get('locations', party, id);
    if (!found) throw new NotFoundError(`own location ${id} not found`);
    return found.data;
  }

  /**
   * Applies a StatusNotification inside the consumer's transaction; returns the PATCH to broadcast
   * after commit, or nothing (unmapped connector, or the same status again: not re-sent).
   */
  async applyStatus(tx: EntityManager, e: OcppConnectorStatus, correlationId: string): Promise<BroadcastJob | undefined> {
    const rows: { location_id: string; evse_uid: string }[] = await tx.query(`SELECT location_id, evse_uid FROM ocpi_own_evse WHERE station_id = $1 AND connector_id = $2`, [e.stationId, e.connectorId]);
    if (rows.length === 0) return undefined;
    const { location_id: locationId, evse_uid: evseUid } = rows[0];
    const party = this.own.get();
    const cached = await this.objects.get('locations', party, locationId, '', tx, true);
    if (!cached) return undefined;
    const status = evseStatusOf(e.status);
    const evse = ((cached.data.evses as Json[] | undefined) ?? []).find((x) => x.uid === evseUid);
    if (!evse || evse.status === status) return undefined;
    // The hub's time of the change (processedAt), not the charger's: eMSPs poll by it, and a status
    // a charger queued offline would fall before their last poll.
    const patch = { status, last_updated: processedAt(cached.data.last_updated) };
    const merged = mergeIntoLocation(cached.data, { evseUid }, patch, 'patch');
    if (!merged.ok) return undefined;
    await this.objects.upsert(tx, { ...cached, data: merged.location }, parseDateTime(patch.last_updated)!);
    this.logger.debug({ stationId: e.stationId, connectorId: e.connectorId, locationId, evseUid, status }, 'own EVSE status changed');
    return { spec: LOCATIONS, path: { owner: party, objectId: locationId, evseUid }, method: 'PATCH', body: patch, stored: merged.location, correlationId };
  }
}

/**
 * A re-sent description file (a nightly sync) carries stale EVSE statuses, often AVAILABLE: written
 * and broadcast as given, they would send drivers to chargers that are CHARGING or OUTOFORDER until
 * the next status notification. The stored status wins for an EVSE still mapped to the connector it
 * was mapped to, as status notifications keep that one live. The file's status is taken for a new
 * EVSE, an unmapped one (nothing live updates it), a remapped one (the stored status is another
 * connector's), and for REMOVED either way: status notifications never set it, the operator does.
 */
function keepLiveStatuses(body: Json, stored: Json | undefined, before: EvseMapping[], after: EvseMapping[]): void {
  const storedEvses = new Map(((stored?.evses as Json[] | undefined) ?? []).map((e) => [e.uid, e]));
  const sameConnector = (uid: unknown) => {
    const was = before.find((m) => m.evseUid === uid);
    const is = after.find((m) => m.evseUid === uid);
    return !!was && !!is && was.stationId === is.stationId && was.connectorId === is.connectorId;
  };
  if (!Array.isArray(body.evses)) return;
  body.evses = (body.evses as Json[]).map((evse) => {
    const live = storedEvses.get(evse.uid);
    if (!live || typeof live.status !== 'string' || !sameConnector(evse.uid)) return evse;
    if (evse.status === 'REMOVED' || live.status === 'REMOVED') return evse;
    return { ...evse, status: live.status };
  });
}

/** The later of two OCPI DateTimes (a value that is not one loses). */
function later(a: unknown, b: unknown): unknown {
  const at = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Number.NaN);
  return Number.isNaN(at(b)) || at(a) >= at(b) ? a : b;
}
