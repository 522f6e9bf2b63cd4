import { Body, Get, Param, Put } from '@nestjs/common';
import { OperatorController, ValidationError } from '@cpo/platform';
import { z } from 'zod';
import { OwnLocationsService } from './own-locations.service.js';

const PutOwnLocationDto = z.strictObject({
  /** The OCPI 2.2.1 Location (owner ids and id are set by the hub). */
  location: z.record(z.string(), z.unknown()),
  /** Which OCPP station connector each EVSE is. */
  evses: z.array(z.strictObject({ evseUid: z.string().min(1).max(36), stationId: z.string().min(1).max(255), connectorId: z.number().int().positive() })).max(500),
});

/** Operator API: the Locations of the platform's own chargers, published through the hub. */
@OperatorController('ocpi/own/locations', 'ocpi')
export class OwnLocationsController {
  constructor(private readonly locations: OwnLocationsService) {}

  @Put(':id')
  async put(@Param('id') id: string, @Body() body: unknown) {
    const parsed = PutOwnLocationDto.safeParse(body);
    if (!parsed.success) throw new ValidationError('invalid request body', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    if (!/^[\x21-\x7e]{1,36}$/.test(id)) throw new ValidationError('location id: 1–36 printable ASCII characters');
    return this.locations.put(id, parsed.data.location, parsed.data.evses);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.locations.get(id);
  }
}
