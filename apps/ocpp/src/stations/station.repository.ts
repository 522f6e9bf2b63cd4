import { OutboxWriter } from '@cpo/messaging';
import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ValidationPolicy } from '../connection/station-context.js';
import { LEARNED_CAPABILITIES } from './capabilities.js';
import { removeStation } from './station-removal.js';

/** What the upgrade needs to admit a charger. */
export interface StationAdmission {
  id: string;
  passwordHash: string | null;
  /** A new AuthorizationKey the charger answered `RebootRequired` for: valid beside `passwordHash` until first used. */
  pendingPasswordHash: string | null;
  /**
   * The pending key a newer change displaced, kept while that one is pending too: the charger may
   * have taken either (changes left unanswered). At most these two; a third change drops the oldest.
   */
  earlierPendingPasswordHash: string | null;
  securityProfile: 0 | 1 | 2;
  registrationStatus: 'Accepted' | 'Pending' | 'Rejected';
  validationPolicy: ValidationPolicy;
  lastBootStatus: string | null;
  /** Non-standard subprotocol names this station offers → the version each stands for (a quirk; usually empty). */
  subprotocolAliases: Record<string, string>;
  /** The version to speak when the station offers no subprotocol (a quirk; usually null: refused). */
  missingSubprotocol: string | null;
  /** Registered by its own first connection (unknown-station policy) and not yet set by an operator. */
  autoRegistered: boolean;
}

export interface BootDetails {
  vendor: string;
  model: string;
  serialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
  iccid?: string;
  imsi?: string;
  meterType?: string;
  meterSerialNumber?: string;
}

/** A frame that could not be processed, kept verbatim (NUL replaced) with the reason. */
export interface RejectedFrame {
  stationId: string;
  raw: string;
  reason: string;
  at: Date;
}


/** Stations and their connectors (SQL only; the rules live in the services). */
@Injectable()
export class StationRepository {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxWriter,
  ) {}

  /** For single statements outside a caller's transaction. */
  get manager(): EntityManager {
    return this.db.manager;
  }

  async admission(id: string): Promise<StationAdmission | undefined> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT id, password_hash, pending_password_hash, earlier_pending_password_hash, security_profile, registration_status, validation_policy, last_boot_status, subprotocol_aliases, missing_subprotocol, auto_registered FROM stations WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r['id'] as string,
      passwordHash: r['password_hash'] as string | null,
      pendingPasswordHash: r['pending_password_hash'] as string | null,
      earlierPendingPasswordHash: r['earlier_pending_password_hash'] as string | null,
      securityProfile: Number(r['security_profile']) as 0 | 1 | 2,
      registrationStatus: r['registration_status'] as StationAdmission['registrationStatus'],
      validationPolicy: r['validation_policy'] as ValidationPolicy,
      lastBootStatus: r['last_boot_status'] as string | null,
      subprotocolAliases: r['subprotocol_aliases'] as Record<string, string>,
      missingSubprotocol: r['missing_subprotocol'] as string | null,
      autoRegistered: r['auto_registered'] === true,
    };
  }

  /**
   * Registers an unknown station by its own connection (unknown-station policy), unless `max`
   * stations so registered still wait `Pending`, unset by an operator (`auto_registered`; no `max`: no bound);
   * true when created. The count stops at the `max`-th such row (an attempt on a full cap reads no further).
   * Concurrent inserts may each see room, so the bound can be passed by as many as are in flight.
   */
  async registerUnknown(id: string, status: StationAdmission['registrationStatus'], max?: number): Promise<boolean> {
    const room = max === undefined ? '' : `WHERE (SELECT count(*) FROM (SELECT 1 FROM stations WHERE auto_registered AND registration_status = 'Pending' LIMIT $3) waiting) < $3`;
    const rows: unknown[] = await this.db.query(
      `INSERT INTO stations (id, auto_registered, registration_status) SELECT $1, true, $2 ${room} ON CONFLICT (id) DO NOTHING RETURNING id`,
      max === undefined ? [id, status] : [id, status, max],
    );
    return rows.length === 1;
  }

  /**
   * A station whose id is `id` in another letter case (the first by id), or undefined. Asked only
   * for an identity without a row (auto-register), over `stations_id_lower`.
   */
  async caseVariantOf(id: string): Promise<string | undefined> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM stations WHERE lower(id) = lower($1) AND id <> $1 ORDER BY id LIMIT 1`, [id]);
    return rows[0]?.id;
  }

  /**
   * Records a boot; `changed` when vendor, model, firmware or a serial number differ or the last
   * boot was not accepted. A changed boot also forgets the configuration read (onboarding runs
   * again). Serial numbers count because a faulty charger is replaced by a new unit configured with
   * the old one's identity: same model and firmware, but its own (factory) configuration. Another
   * unit or firmware also forgets what smart charging learned of the one before (LEARNED_CAPABILITIES);
   * a boot that only follows a refused one (Pending, Rejected) keeps it: the unit is the same.
   * A serial number left out (optional, and some firmware drops it) is no sign of another unit: the
   * one reported before is kept.
   * Every boot is a reboot: the changes the charger answered `RebootRequired` for take effect
   * (pending_configuration applied to the configuration and the capabilities), and what the reboot
   * must re-read is set: the capability keys (`configuration_reread_at`, when changes were pending or
   * a Reset was accepted) or the whole configuration (after a firmware install: onboarding again).
   * Except a boot that is no reboot (`reboot` false: one we asked for with TriggerMessage): it
   * records the details and the answer, but `booted_at` stays (the rules that read it, e.g. the
   * lost stop, must not see a reboot) and what waits for the reboot keeps waiting. `bootedAt`: the
   * station's boot time after this one.
   * A boot of a replaced unit (a serial number other than the stored one, isReplacedUnit's rule in
   * replaced-unit.ts) drops the staged changes instead: the old unit answered `RebootRequired`, the
   * new one never got them, and applied they would be shown as its configuration until a re-read
   * succeeds (or for good, if it fails).
   */
  async recordBoot(tx: EntityManager, id: string, boot: BootDetails, status: string, at: Date, reboot = true): Promise<{ changed: boolean; bootedAt: Date }> {
    const rows = returnedRows<{ changed: boolean; booted_at: Date }>(await tx.query(
      `WITH unit AS (SELECT (vendor IS DISTINCT FROM $2 OR model IS DISTINCT FROM $3 OR firmware_version IS DISTINCT FROM $6
                            OR ($4::text IS NOT NULL AND serial_number IS DISTINCT FROM $4)
                            OR ($5::text IS NOT NULL AND charge_box_serial_number IS DISTINCT FROM $5)) AS other,
                            ((serial_number IS NOT NULL AND $4::text IS NOT NULL AND serial_number <> $4)
                             OR (charge_box_serial_number IS NOT NULL AND $5::text IS NOT NULL AND charge_box_serial_number <> $5)) AS replaced,
                            last_boot_status IS DISTINCT FROM 'Accepted' AS refused, pending_configuration AS pending, boot_reread
                       FROM stations WHERE id = $1 FOR UPDATE),
            old AS (SELECT other OR refused AS changed, other, replaced, CASE WHEN $14::boolean AND NOT replaced THEN pending ELSE '{}'::jsonb END AS pending,
                           CASE WHEN $14::boolean THEN boot_reread END AS boot_reread FROM unit)
       UPDATE stations s SET vendor = $2, model = $3, serial_number = COALESCE($4, s.serial_number), charge_box_serial_number = COALESCE($5, s.charge_box_serial_number), firmware_version = $6,
         iccid = $7, imsi = $8, meter_type = $9, meter_serial_number = $10, last_boot_status = $11,
         booted_at = CASE WHEN $14::boolean THEN $12 ELSE COALESCE(s.booted_at, $12) END, last_seen_at = $12,
         configuration = CASE WHEN jsonb_typeof(old.pending->'keys') = 'object'
           THEN (CASE WHEN jsonb_typeof(s.configuration) = 'object' THEN s.configuration ELSE '{}'::jsonb END) || (old.pending->'keys') ELSE s.configuration END,
         configuration_read_at = CASE WHEN old.changed OR old.boot_reread = 'whole' THEN NULL ELSE s.configuration_read_at END,
         configuration_reread_at = CASE WHEN old.boot_reread = 'keys' OR old.pending ? 'keys' THEN clock_timestamp() ELSE s.configuration_reread_at END,
         capabilities = (CASE WHEN old.other THEN s.capabilities - $13::text[] ELSE s.capabilities END)
           || CASE WHEN jsonb_typeof(old.pending->'capabilities') = 'object' THEN old.pending->'capabilities' ELSE '{}'::jsonb END,
         pending_configuration = CASE WHEN $14::boolean OR old.replaced THEN '{}'::jsonb ELSE s.pending_configuration END,
         boot_reread = CASE WHEN $14::boolean THEN NULL ELSE s.boot_reread END, updated_at = now()
       FROM old WHERE s.id = $1
       RETURNING old.changed AS changed, s.booted_at`,
      [id, boot.vendor, boot.model, boot.serialNumber ?? null, boot.chargeBoxSerialNumber ?? null, boot.firmwareVersion ?? null, boot.iccid ?? null, boot.imsi ?? null, boot.meterType ?? null, boot.meterSerialNumber ?? null, status, at, [...LEARNED_CAPABILITIES], reboot],
    ));
    return { changed: rows[0]?.changed ?? true, bootedAt: rows[0]?.booted_at ?? at };
  }

  /** Last sign of life for many stations at once (Heartbeats are coalesced). */
  async touch(tx: EntityManager, ids: string[], at: Date[]): Promise<void> {
    // One row per station, the latest time, in id order: UPDATE … FROM takes one of several rows
    // joining a station at random (a connect and a disconnect of one station in one batch could
    // keep the earlier time), and rows locked in one order do not deadlock with other writers.
    const latest = new Map<string, Date>();
    ids.forEach((id, i) => {
      const known = latest.get(id);
      if (!known || known < at[i]!) latest.set(id, at[i]!);
    });
    const sorted = [...latest.keys()].sort();
    await tx.query(
      `UPDATE stations s SET last_seen_at = GREATEST(s.last_seen_at, v.at) FROM unnest($1::text[], $2::timestamptz[]) AS v(id, at) WHERE s.id = v.id`,
      [sorted, sorted.map((id) => latest.get(id)!)],
    );
  }

  /** Learned capabilities (refusals) merged into the stored ones. */
  async learnCapabilities(id: string, learned: object): Promise<void> {
    await this.db.query(`UPDATE stations SET capabilities = capabilities || $2::jsonb, updated_at = now() WHERE id = $1`, [id, JSON.stringify(learned)]);
  }

  /**
   * Adds `message` to, or takes it off, the learned `triggerNotImplemented` list in one statement:
   * two answers stored at once must not drop each other's entry, as a read-modify-write would.
   */
  async learnTriggerSupport(id: string, message: string, notImplemented: boolean): Promise<void> {
    await this.db.query(
      `UPDATE stations SET capabilities = jsonb_set(CASE WHEN jsonb_typeof(capabilities) = 'object' THEN capabilities ELSE '{}'::jsonb END, '{triggerNotImplemented}',
         COALESCE((SELECT jsonb_agg(DISTINCT m ORDER BY m) FROM (
           SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(capabilities->'triggerNotImplemented') = 'array' THEN capabilities->'triggerNotImplemented' ELSE '[]'::jsonb END) AS m
           UNION SELECT $2::text WHERE $3::boolean) x WHERE $3::boolean OR m <> $2::text), '[]'::jsonb)), updated_at = now()
       WHERE id = $1 AND ($3::boolean OR capabilities->'triggerNotImplemented' ? $2::text)`,
      [id, message, notImplemented],
    );
  }

  async capabilities(id: string): Promise<Record<string, unknown>> {
    const rows: { capabilities: Record<string, unknown> }[] = await this.db.query(`SELECT capabilities FROM stations WHERE id = $1`, [id]);
    return rows[0]?.capabilities ?? {};
  }

  /**
   * Operator settings; absent values keep what is stored (a new row gets the defaults). A new
   * password drops a pending key; the stored hash given again (the same password re-sent, see
   * StationAdminService) keeps it: the charger answered RebootRequired for that key and takes it
   * at its reboot, and without it would be locked out.
   */
  async upsertSettings(
    id: string,
    s: {
      registrationStatus?: string;
      validationPolicy?: string;
      securityProfile?: number;
      passwordHash: string | null;
      subprotocolAliases?: Record<string, string>;
      /** A version, or `none` to clear it. */
      missingSubprotocol?: string;
    },
  ): Promise<boolean> {
    // Only a row this statement inserted has `xmax = 0`; an updated one holds our transaction id (the
    // conflicting row was locked). The operator API answers 201 for the former, 200 for the latter.
    const rows: { inserted: boolean }[] = await this.db.query(
      `INSERT INTO stations (id, registration_status, validation_policy, security_profile, password_hash, subprotocol_aliases, missing_subprotocol)
       VALUES ($1, COALESCE($2, 'Accepted'), COALESCE($3, 'strict'), COALESCE($4, CASE WHEN $5::text IS NULL THEN 0 ELSE 1 END), $5,
               COALESCE($6::jsonb, '{}'::jsonb), NULLIF($7::text, 'none'))
       ON CONFLICT (id) DO UPDATE SET registration_status = COALESCE($2, stations.registration_status), validation_policy = COALESCE($3, stations.validation_policy),
         security_profile = COALESCE($4, CASE WHEN $5::text IS NULL THEN stations.security_profile ELSE GREATEST(stations.security_profile, 1) END),
         password_hash = COALESCE($5, stations.password_hash),
         pending_password_hash = CASE WHEN $5::text IS NULL OR $5::text = stations.password_hash THEN stations.pending_password_hash END,
         earlier_pending_password_hash = CASE WHEN $5::text IS NULL OR $5::text = stations.password_hash THEN stations.earlier_pending_password_hash END,
         subprotocol_aliases = COALESCE($6::jsonb, stations.subprotocol_aliases),
         missing_subprotocol = CASE WHEN $7::text IS NULL THEN stations.missing_subprotocol ELSE NULLIF($7::text, 'none') END,
         auto_registered = false, updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [
        id,
        s.registrationStatus ?? null,
        s.validationPolicy ?? null,
        s.securityProfile ?? null,
        s.passwordHash,
        s.subprotocolAliases === undefined ? null : JSON.stringify(s.subprotocolAliases),
        s.missingSubprotocol ?? null,
      ],
    );
    return rows[0]?.inserted === true;
  }

  /** Which of these ids have a station row (registered, or created by an operator). */
  async registered(ids: string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM stations WHERE id = ANY($1::text[])`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  /** Deletes the station with what it leaves behind (station-removal.ts); false when there is none. */
  async remove(id: string): Promise<boolean> {
    return removeStation(this.db, this.outbox, id);
  }

  /** Security profile raised by the charger accepting `SecurityProfile` (never lowered here). */
  async raiseSecurityProfile(id: string, profile: 1 | 2): Promise<void> {
    await this.db.query(`UPDATE stations SET security_profile = GREATEST(security_profile, $2), updated_at = now() WHERE id = $1`, [id, profile]);
  }

  /**
   * The serial numbers the station's last boot reported (charge point and charge box) that no other
   * station has as identity or reported serial, for certificate names: a boot's serials are the
   * charger's own claim, and unchecked one charger could have the CPO's CA certify it under another's name.
   */
  async serialNumbers(id: string): Promise<string[]> {
    const rows: { name: string }[] = await this.db.query(
      `SELECT n.name FROM stations s CROSS JOIN LATERAL unnest(ARRAY[s.serial_number, s.charge_box_serial_number]) AS n(name)
        WHERE s.id = $1 AND n.name <> ''
          AND NOT EXISTS (SELECT 1 FROM stations o WHERE o.id <> $1 AND n.name IN (o.id, o.serial_number, o.charge_box_serial_number))`,
      [id],
    );
    return rows.map((r) => r.name);
  }

  async storeMessage(tx: EntityManager, id: string, kind: string, payload: unknown): Promise<void> {
    await tx.query(`INSERT INTO station_messages (station_id, kind, payload) VALUES ($1, $2, $3)`, [id, kind, JSON.stringify(payload)]);
  }

  async storeRejectedFrames(rows: RejectedFrame[], m: EntityManager = this.db.manager): Promise<void> {
    await m.query(
      `INSERT INTO rejected_frames (station_id, raw, reason, received_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])`,
      [rows.map((r) => r.stationId), rows.map((r) => r.raw), rows.map((r) => r.reason), rows.map((r) => r.at)],
    );
  }
}
