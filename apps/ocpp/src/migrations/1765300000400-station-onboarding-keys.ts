import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `configuration_read_at`: when the station's whole configuration was last read and stored (the
 * onboarding is complete); NULL makes the next accepted boot or reconnection read it again, so one
 * failed GetConfiguration no longer leaves the capabilities empty until a firmware change. Stations
 * with capabilities already count as read.
 * `pending_password_hash`: an AuthorizationKey the charger answered `RebootRequired` for; valid
 * beside the current one until the charger first authenticates with it.
 * Also removes AuthorizationKey values stored in clear in `configuration` (case-insensitive key).
 */
export class StationOnboardingKeys1765300000400 implements MigrationInterface {
  name = 'StationOnboardingKeys1765300000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations ADD COLUMN configuration_read_at timestamptz, ADD COLUMN pending_password_hash text`);
    await q.query(`UPDATE stations SET configuration_read_at = updated_at WHERE capabilities <> '{}'::jsonb`);
    await q.query(
      `UPDATE stations s SET configuration = (SELECT jsonb_object_agg(k, CASE WHEN lower(k) = 'authorizationkey' THEN jsonb_set(v, '{value}', 'null') ELSE v END)
                                                FROM jsonb_each(s.configuration) AS e(k, v))
        WHERE jsonb_typeof(s.configuration) = 'object' AND EXISTS (SELECT 1 FROM jsonb_object_keys(s.configuration) k WHERE lower(k) = 'authorizationkey')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stations DROP COLUMN IF EXISTS configuration_read_at, DROP COLUMN IF EXISTS pending_password_hash`);
  }
}
