import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `reservation_id_seq` wraps around (OCPP 1.6 reservation ids are 32-bit): the ids we allocate
 * (ReservationRepository.nextId) skip those held anywhere, so after the top they start again at 1
 * instead of failing for ever. An explicit id no longer moves the sequence; one that a deployment
 * let move it to the top is repaired too, as the next id wraps.
 */
export class ReservationIdCycle1766000007000 implements MigrationInterface {
  name = 'ReservationIdCycle1766000007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER SEQUENCE reservation_id_seq CYCLE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER SEQUENCE reservation_id_seq NO CYCLE`);
  }
}
