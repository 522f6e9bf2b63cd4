import { Injectable } from '@nestjs/common';
import { returnedRows } from '@cpo/platform';
import { DataSource, type EntityManager } from 'typeorm';
import type { CapabilitiesChange } from './capabilities.js';
import type { BootReread, PendingChange } from './reboot-reread.js';

/** The configuration keys a station reported and whether its whole configuration has been read (SQL only). */
@Injectable()
export class StationConfigurationRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Merges reported configuration keys (by key) and changes the derived capabilities (`capabilities`:
   * `remove` taken off, then `set` merged in; the learned ones are left as they are), in one
   * statement, so two answers stored at once cannot undo each other's capabilities. `whole`: a full
   * read, which replaces the keys instead (a key it leaves out is one the charger no longer has, e.g.
   * after a firmware update) and records the read (`configuration_read_at`: onboarding complete).
   * `unknown`: keys the charger answered it does not have (GetConfiguration's `unknownKey`), any
   * case: removed. A full read also does a boot's due re-read of the capability keys (it has them).
   * `settled`: keys a change answered `Accepted` set now, whose value staged for the reboot (and the
   * capabilities it would set) no longer applies, any case: dropped from `pending_configuration`.
   */
  async mergeConfiguration(
    id: string,
    keys: { key: string; readonly: boolean; value?: string | null }[],
    {
      capabilities = { set: {}, remove: [] },
      unknown = [],
      whole = false,
      settled = [],
    }: { capabilities?: CapabilitiesChange; unknown?: readonly string[]; whole?: boolean; settled?: readonly string[] } = {},
  ): Promise<void> {
    const asObject = Object.fromEntries(keys.map((k) => [k.key, { readonly: k.readonly, value: k.value ?? null }]));
    await this.db.query(
      `UPDATE stations SET configuration = CASE WHEN $3::boolean THEN $2::jsonb ELSE
           COALESCE((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(CASE WHEN jsonb_typeof(configuration) = 'object' THEN configuration ELSE '{}'::jsonb END) e
                      WHERE NOT lower(e.key) = ANY($4::text[])), '{}'::jsonb) || $2::jsonb END,
         capabilities = (CASE WHEN jsonb_typeof(capabilities) = 'object' THEN capabilities ELSE '{}'::jsonb END - $5::text[]) || $6::jsonb,
         configuration_read_at = CASE WHEN $3::boolean THEN now() ELSE configuration_read_at END,
         configuration_reread_at = CASE WHEN $3::boolean THEN NULL ELSE configuration_reread_at END,
         pending_configuration = CASE WHEN cardinality($7::text[]) = 0 OR NOT pending_configuration ? 'keys' THEN pending_configuration ELSE
           (SELECT CASE WHEN x.keys = '{}'::jsonb THEN '{}'::jsonb
                        ELSE jsonb_build_object('keys', x.keys, 'capabilities', COALESCE(pending_configuration->'capabilities', '{}'::jsonb) - $8::text[]) END
              FROM (SELECT COALESCE(jsonb_object_agg(e.key, e.value), '{}'::jsonb) AS keys FROM jsonb_each(pending_configuration->'keys') e
                     WHERE NOT lower(e.key) = ANY($7::text[])) x) END,
         updated_at = now() WHERE id = $1`,
      [
        id,
        JSON.stringify(asObject),
        whole,
        unknown.map((k) => k.toLowerCase()),
        capabilities.remove,
        JSON.stringify(capabilities.set),
        settled.map((k) => k.toLowerCase()),
        [...Object.keys(capabilities.set), ...capabilities.remove],
      ],
    );
  }

  /** The stored configuration key that names `key` (CiString: compared without case), if one does. */
  async configurationKeySpelling(id: string, key: string): Promise<string | undefined> {
    const rows: { key: string }[] = await this.db.query(
      `SELECT k AS key FROM stations s, jsonb_object_keys(CASE WHEN jsonb_typeof(s.configuration) = 'object' THEN s.configuration ELSE '{}'::jsonb END) AS k
        WHERE s.id = $1 AND lower(k) = lower($2) ORDER BY k = $2 DESC LIMIT 1`,
      [id, key],
    );
    return rows[0]?.key;
  }

  /** The stored values of `keys` (CiString: matched without case), each under its spelling in `keys`; a key not stored, or stored without a value, is left out. */
  async configurationValues(id: string, keys: readonly string[]): Promise<{ key: string; value: string }[]> {
    const rows: { key: string; value: string }[] = await this.db.query(
      `SELECT w.key, e.value->>'value' AS value FROM stations s, unnest($2::text[]) AS w(key),
              jsonb_each(CASE WHEN jsonb_typeof(s.configuration) = 'object' THEN s.configuration ELSE '{}'::jsonb END) AS e
        WHERE s.id = $1 AND lower(e.key) = lower(w.key) AND e.value->>'value' IS NOT NULL`,
      [id, keys],
    );
    return rows;
  }

  /**
   * Whether the station's whole configuration has been read since its details last changed, and the
   * boot's re-read of its capability keys still due (`rereadSince`, the boot's stamp as text: exact
   * to the microsecond, it tells that re-read from one a later boot asks for).
   */
  async configurationState(id: string): Promise<{ read: boolean; rereadSince?: string }> {
    const rows: { read: boolean; since: string | null }[] = await this.db.query(
      `SELECT configuration_read_at IS NOT NULL AS read, configuration_reread_at::text AS since FROM stations WHERE id = $1`,
      [id],
    );
    return { read: rows[0]?.read ?? false, rereadSince: rows[0]?.since ?? undefined };
  }

  /** The boot's re-read `since` is done, unless a later boot asked for another meanwhile. */
  async rereadDone(id: string, since: string): Promise<void> {
    await this.db.query(`UPDATE stations SET configuration_reread_at = NULL WHERE id = $1 AND configuration_reread_at = $2::timestamptz`, [id, since]);
  }

  /**
   * A change answered `RebootRequired`, kept for the next boot (StationRepository.recordBoot), merged
   * into those already pending (a later value of a key replaces an earlier one) in one statement.
   */
  async stagePending(id: string, change: PendingChange): Promise<void> {
    await this.db.query(
      `UPDATE stations SET pending_configuration = jsonb_build_object(
           'keys', COALESCE(pending_configuration->'keys', '{}'::jsonb) || $2::jsonb,
           'capabilities', COALESCE(pending_configuration->'capabilities', '{}'::jsonb) || $3::jsonb),
         updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(change.keys), JSON.stringify(change.capabilities)],
    );
  }

  /**
   * A firmware install reported (`Installed`; before the status is recorded): a new firmware may have
   * other keys, even under the same firmwareVersion. Reported after the reboot into it (OCPP 1.6's
   * order: the station booted after its previous firmware status), the whole configuration is due
   * now (unless read since that boot: a boot on a new firmwareVersion reads it); reported before
   * its reboot, by the next boot. True when the read is due now.
   */
  async firmwareInstalled(tx: EntityManager, id: string): Promise<boolean> {
    const rows = returnedRows<{ now: boolean }>(await tx.query(
      `WITH s AS (SELECT booted_at > firmware_status_at AS rebooted, configuration_read_at < booted_at AS read_before FROM stations WHERE id = $1 FOR UPDATE)
       UPDATE stations t SET boot_reread = CASE WHEN s.rebooted THEN t.boot_reread ELSE 'whole' END,
         configuration_read_at = CASE WHEN s.rebooted AND s.read_before THEN NULL ELSE t.configuration_read_at END, updated_at = now()
       FROM s WHERE t.id = $1
       RETURNING COALESCE(s.rebooted, false) AND t.configuration_read_at IS NULL AS now`,
      [id],
    ));
    return rows[0]?.now ?? false;
  }

  /** What the next boot must re-read (`whole` covers `keys`, so it is never lowered). */
  async rereadAtBoot(id: string, reread: BootReread, m: EntityManager = this.db.manager): Promise<void> {
    await m.query(
      `UPDATE stations SET boot_reread = CASE WHEN boot_reread = 'whole' THEN 'whole' ELSE $2 END, updated_at = now() WHERE id = $1`,
      [id, reread],
    );
  }
}
