import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ValidationError } from '@cpo/platform';
import { describe, parseDateTime, Tariff221 } from '@cpo/ocpi-protocol';
import { BroadcastService } from '../objects/broadcast.service.js';
import { TARIFFS } from '../objects/module-spec.js';
import { ObjectsRepository } from '../objects/objects.repository.js';
import { OwnPartyService } from './own-party.service.js';

type Json = Record<string, unknown>;

/**
 * Tariffs of the platform's own chargers: cached like any CPO's, broadcast to the agreed eMSPs,
 * and used to price the CDRs of own sessions (the connector's first `tariff_ids` entry).
 */
@Injectable()
export class OwnTariffsService {
  constructor(
    private readonly objects: ObjectsRepository,
    private readonly broadcast: BroadcastService,
    private readonly own: OwnPartyService,
  ) {}

  async put(id: string, tariff: Json): Promise<Json> {
    const party = this.own.get();
    const body: Json = { ...tariff, country_code: party.countryCode, party_id: party.partyId, id };
    const parsed = Tariff221.safeParse(body);
    if (!parsed.success) throw new ValidationError(`invalid Tariff: ${describe(parsed.error)}`);
    const owner = { countryCode: party.countryCode, partyId: party.partyId };
    await this.objects.transaction((tx) => this.objects.upsert(tx, { module: 'tariffs', ...owner, objectId: id, objectType: '', data: body, sourceVersion: '2.2.1' }, parseDateTime(String(body.last_updated))!));
    this.broadcast.schedule({ spec: TARIFFS, path: { owner, objectId: id }, method: 'PUT', body, sourceVersion: '2.2.1', stored: body, correlationId: randomUUID() });
    return body;
  }
}
