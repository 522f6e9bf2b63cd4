import { returnedRows } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StationAdmission } from './station.repository.js';

/** A station's pending AuthorizationKey hashes, newest first (see StationAdmission). */
export interface PendingKeys {
  pending: string | null;
  earlier: string | null;
}

/**
 * A station's AuthorizationKeys as key changes and their answers leave them (SQL only; the rules
 * live in AuthorizationKeyRotation and the gateway). Key changes are staged when queued, so the
 * answer to one arrives while a later one is already pending: each answer acts on its own key and
 * leaves the newer one, whose CALL is still to come, valid.
 */
@Injectable()
export class StationKeysRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The key the charger accepted by AuthorizationKey becomes its key. Pending keys older than it are
   * dropped (the charger no longer holds them); a newer one, staged by a change queued behind this
   * one, stays: dropped, a charger that takes it and reconnects at once was refused until that
   * change's answer was recorded. The profile stays: the charger sends the key only once a
   * SecurityProfile ≥ 1 is set (whitepaper: key first, then profile), which raiseSecurityProfile records.
   */
  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.query(
      `UPDATE stations SET password_hash = $2,
         pending_password_hash = CASE WHEN pending_password_hash = $2 THEN NULL ELSE pending_password_hash END,
         earlier_pending_password_hash = CASE WHEN $2 IN (pending_password_hash, earlier_pending_password_hash) THEN NULL ELSE earlier_pending_password_hash END,
         updated_at = now()
       WHERE id = $1`,
      [id, passwordHash],
    );
  }

  /**
   * A key the charger takes at its next reboot, or may have taken (no answer): valid beside the
   * current one until first used. Staged already, it stays where it is: rewritten as the pending key
   * it displaced a newer change's key, whose CALL was still to come. Re-added (an operator's password
   * dropped it meanwhile) into a free place only: both taken, it is the oldest, which a third change drops.
   */
  async setPendingPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.query(
      `UPDATE stations SET pending_password_hash = COALESCE(pending_password_hash, $2),
         earlier_pending_password_hash = CASE WHEN pending_password_hash IS NULL THEN earlier_pending_password_hash ELSE COALESCE(earlier_pending_password_hash, $2) END,
         updated_at = now()
       WHERE id = $1 AND $2 IS DISTINCT FROM pending_password_hash AND $2 IS DISTINCT FROM earlier_pending_password_hash`,
      [id, passwordHash],
    );
  }

  /**
   * A new key about to be sent to the charger, accepted beside the current one from now on (see
   * AuthorizationKeyRotation); a key still pending stays valid as the earlier one (the oldest is
   * dropped). Returns the pending keys as they were (null: none), undefined when there is no such station.
   */
  async stagePendingPassword(id: string, passwordHash: string): Promise<PendingKeys | undefined> {
    const [r] = returnedRows<PendingKeys>(
      await this.db.query(
        `UPDATE stations s SET pending_password_hash = $2, earlier_pending_password_hash = old.pending_password_hash, updated_at = now()
           FROM (SELECT id, pending_password_hash, earlier_pending_password_hash FROM stations WHERE id = $1 FOR UPDATE) old
          WHERE s.id = old.id RETURNING old.pending_password_hash AS pending, old.earlier_pending_password_hash AS earlier`,
        [id, passwordHash],
      ),
    );
    return r && { pending: r.pending, earlier: r.earlier };
  }

  /**
   * Withdraws a staged key the charger refused (or never got), wherever a newer change left it. As
   * the pending key, the keys it displaced come back as they are now: the earlier place still holds
   * the key it displaced unless that one was withdrawn meanwhile (its own refusal came while this
   * change was queued), and a withdrawn key must not come back valid; the oldest, which this change
   * dropped, comes back only while nothing else moved.
   */
  async unstagePendingPassword(id: string, staged: string, displaced: PendingKeys): Promise<void> {
    await this.db.query(
      `UPDATE stations SET
         pending_password_hash = CASE WHEN pending_password_hash = $2 THEN earlier_pending_password_hash ELSE pending_password_hash END,
         earlier_pending_password_hash = CASE WHEN pending_password_hash = $2 AND earlier_pending_password_hash IS NOT DISTINCT FROM $3::text THEN $4::text END,
         updated_at = now()
       WHERE id = $1 AND $2 IN (pending_password_hash, earlier_pending_password_hash)`,
      [id, staged, displaced.pending, displaced.earlier],
    );
  }

  /**
   * The charger authenticated with one of its pending keys: it becomes the only one. Returns the
   * credentials as the promotion left them; undefined when it found no such pending key (promoted,
   * withdrawn or replaced meanwhile).
   */
  async promotePendingPassword(id: string, pendingHash: string): Promise<Pick<StationAdmission, 'passwordHash' | 'securityProfile'> | undefined> {
    const [r] = returnedRows<Record<string, unknown>>(
      await this.db.query(
        `UPDATE stations SET password_hash = $2, pending_password_hash = NULL, earlier_pending_password_hash = NULL, security_profile = GREATEST(security_profile, 1), updated_at = now()
          WHERE id = $1 AND (pending_password_hash = $2 OR earlier_pending_password_hash = $2) RETURNING password_hash, security_profile`,
        [id, pendingHash],
      ),
    );
    return r && { passwordHash: r['password_hash'] as string, securityProfile: Number(r['security_profile']) as 0 | 1 | 2 };
  }
}
