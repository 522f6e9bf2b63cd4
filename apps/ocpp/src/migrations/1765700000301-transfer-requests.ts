import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The UpdateFirmware / GetDiagnostics request a station last accepted (location, dates, the time
 * it was sent, the diagnostics file name). OCPP 1.6 status notifications carry no request id
 * (guide §2.3): a firmware or diagnostics status belongs to the station's latest request only when
 * it was received after that request was sent; without the request an operator cannot tell.
 */
export class TransferRequests1765700000301 implements MigrationInterface {
  name = 'TransferRequests1765700000301';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations ADD COLUMN firmware_request jsonb, ADD COLUMN diagnostics_request jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations DROP COLUMN firmware_request, DROP COLUMN diagnostics_request`);
  }
}
