import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `reservations.replaced`: the terms and status of the reservation a ReserveNow with its id is
 * replacing, kept until the charger answers. A refused replacement leaves the charger's reservation
 * in place (OCPP 1.6 §5.13), but the row had already taken the new terms and then the refusal, so
 * the reservation still held read as refused and its expiry as the new one.
 */
export class ReservationReplaced1766000004500 implements MigrationInterface {
  name = 'ReservationReplaced1766000004500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reservations ADD COLUMN replaced jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reservations DROP COLUMN replaced`);
  }
}
