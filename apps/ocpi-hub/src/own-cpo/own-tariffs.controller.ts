import { Body, Param, Put } from '@nestjs/common';
import { OperatorController, ValidationError } from '@cpo/platform';
import { z } from 'zod';
import { OwnTariffsService } from './own-tariffs.service.js';

const PutOwnTariffDto = z.strictObject({
  /** The OCPI 2.2.1 Tariff (owner ids and id are set by the hub). */
  tariff: z.record(z.string(), z.unknown()),
});

/** Operator API: the Tariffs of the platform's own chargers (connectors name them in `tariff_ids`). */
@OperatorController('ocpi/own/tariffs', 'ocpi')
export class OwnTariffsController {
  constructor(private readonly tariffs: OwnTariffsService) {}

  @Put(':id')
  async put(@Param('id') id: string, @Body() body: unknown) {
    const parsed = PutOwnTariffDto.safeParse(body);
    if (!parsed.success) throw new ValidationError('invalid request body', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    if (!/^[\x21-\x7e]{1,36}$/.test(id)) throw new ValidationError('tariff id: 1–36 printable ASCII characters');
    return this.tariffs.put(id, parsed.data.tariff);
  }
}
