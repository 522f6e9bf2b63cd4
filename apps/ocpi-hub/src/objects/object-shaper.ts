import { Injectable } from '@nestjs/common';
import type { ConvertibleModule, OcpiVersion, PartyRef } from '@cpo/ocpi-protocol';
import { ObjectsRepository } from './objects.repository.js';
import { needsLocation, viewFor, type Reader, type ViewOptions } from './object-view.js';

type Json = Record<string, unknown>;

/**
 * `viewFor` plus the one lookup a conversion may need: a 2.1.1 Session or CDR embeds the Location
 * a 2.2.1 one only names, so it is read from the owner's cached Locations.
 */
@Injectable()
export class ObjectShaper {
  constructor(private readonly objects: ObjectsRepository) {}

  async shape(reader: Reader, module: ConvertibleModule, data: Json, owner: PartyRef, source: OcpiVersion, o: ViewOptions = {}): Promise<Json> {
    if (!needsLocation(module, source, reader) || o.location) return viewFor(reader, module, data, owner, source, o);
    const id = module === 'sessions' ? data.location_id : (data.cdr_location as Json | undefined)?.id;
    const cached = typeof id === 'string' ? await this.objects.get('locations', owner, id) : undefined;
    const location = cached && cached.sourceVersion !== '2.2.1' ? viewFor({ version: '2.2.1', ownerIdExtensions: true }, 'locations', cached.data, owner, cached.sourceVersion) : cached?.data;
    return viewFor(reader, module, data, owner, source, { ...o, location });
  }
}
