import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { MAX_OCPP_COMMAND_TIMEOUT_MS } from '@cpo/contracts';
import { BulkCommandDto } from './operator-commands.controller.js';

/** The global pipe of every service (libs/platform bootstrap). */
const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false });
const body = (timeoutMs: unknown) => ({ stationIds: ['CP-1'], action: 'Reset', payload: { type: 'Soft' }, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
const parsed = (timeoutMs: unknown) => pipe.transform(body(timeoutMs), { type: 'body', metatype: BulkCommandDto }) as Promise<BulkCommandDto>;

describe('POST /commands/bulk timeoutMs', () => {
  it('takes an integer JSON number from 1 to the maximum, or none', async () => {
    expect((await parsed(1)).timeoutMs).toBe(1);
    expect((await parsed(MAX_OCPP_COMMAND_TIMEOUT_MS)).timeoutMs).toBe(MAX_OCPP_COMMAND_TIMEOUT_MS);
    expect((await parsed(undefined)).timeoutMs).toBeUndefined();
  });

  it('refuses what is no integer number, converting nothing (H5 #6: `true` became 1 ms, "100" passed)', async () => {
    for (const bad of [true, false, '100', '', [100], 1.5, 0, -5, MAX_OCPP_COMMAND_TIMEOUT_MS + 1]) {
      const refused = await parsed(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect([bad, refused instanceof BadRequestException]).toEqual([bad, true]);
      expect(JSON.stringify((refused as BadRequestException).getResponse())).toContain('timeoutMs must be an integer between 1 and');
    }
  });
});
