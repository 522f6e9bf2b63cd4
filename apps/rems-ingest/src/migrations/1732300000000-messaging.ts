import { messagingSchema } from '@cpo/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox and inbox tables of the rems-ingest database. */
export class Messaging1732300000000 implements MigrationInterface {
  name = 'Messaging1732300000000';
  up(q: QueryRunner): Promise<void> {
    return messagingSchema.up(q);
  }
  down(q: QueryRunner): Promise<void> {
    return messagingSchema.down(q);
  }
}
