import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Configuration changes that take effect at the charger's reboot. `pending_configuration`: the keys
 * a ChangeConfiguration was answered `RebootRequired` for (`keys`, as `configuration` holds them)
 * and the capabilities they derive (`capabilities`), applied by the next boot. `boot_reread`: what
 * the next boot must read again besides (`keys`: the capability keys, after a Reset we sent;
 * `whole`: the whole configuration, after a firmware install). `configuration_reread_at`: set by a
 * boot that must re-read the capability keys, cleared once they are read.
 */
export class StationPendingConfiguration1766000006800 implements MigrationInterface {
  name = 'StationPendingConfiguration1766000006800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE stations
        ADD COLUMN pending_configuration jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN boot_reread text CHECK (boot_reread IN ('keys', 'whole')),
        ADD COLUMN configuration_reread_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations DROP COLUMN pending_configuration, DROP COLUMN boot_reread, DROP COLUMN configuration_reread_at`);
  }
}
