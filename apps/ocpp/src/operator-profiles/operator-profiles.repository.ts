import { Injectable } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { DataSource, type EntityManager } from 'typeorm';
import { endedWithoutStopSql } from '../transactions/lost-stop.js';

/**
 * SQL: the transaction of the operator profile aliased `o`: its own, else (a RemoteStartTransaction's
 * TxProfile) that of its remote start, once the StartTransaction it asked for came.
 */
export function operatorProfileTransactionSql(o: string): string {
  return `COALESCE(${o}.transaction_id, (SELECT r.transaction_id FROM remote_starts r WHERE r.id = ${o}.remote_start_id))`;
}

/** SQL: the connector of the operator profile aliased `o`: a remote start's, that of its transaction (the charger picks one when the request named none). */
export function operatorProfileConnectorSql(o: string): string {
  return `COALESCE((SELECT t.connector_id FROM remote_starts r JOIN transactions t ON t.station_id = r.station_id AND t.transaction_id = r.transaction_id
      WHERE r.id = ${o}.remote_start_id), ${o}.connector_id)`;
}

/** SQL: the operator profile aliased `o` is a TxProfile whose transaction is over (stopped, or ended without its stop by the rule every view follows), or never started. */
export function endedTxProfileSql(o: string): string {
  return `(${o}.purpose = 'TxProfile' AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.station_id = ${o}.station_id AND t.transaction_id = ${operatorProfileTransactionSql(o)}
      AND t.stopped_at IS NULL AND NOT ${endedWithoutStopSql('t', `'infinity'`)}))`;
}

/** SQL: the operator profile aliased `o` came with a remote start whose transaction may still start: not shown yet, but not gone. */
function awaitingStartSql(o: string): string {
  return `EXISTS (SELECT 1 FROM remote_starts r WHERE r.id = ${o}.remote_start_id AND r.status IN ('Requested', 'Accepted'))`;
}

/**
 * Another unit booted under the station's identity (stations/replaced-unit.ts): it holds none of
 * the old unit's profiles. Run in the boot's transaction.
 */
export async function forgetOperatorProfiles(tx: EntityManager, stationId: string): Promise<void> {
  await tx.query(`DELETE FROM operator_profiles WHERE station_id = $1`, [stationId]);
}

/** The charging profiles commands from outside installed on each station, as the charger accepted them (SQL only). */
@Injectable()
export class OperatorProfilesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The charger accepted `profile` on `connectorId`: it takes the place of the profile with its id,
   * and of the one with its purpose and stack level on that connector (OCPP 1.6 §3.13.2; read per
   * connector as EVerest does, since §3.13.1 lets a connector's TxDefaultProfile sit beside connector
   * 0's). A TxProfile without a transactionId is the running transaction's on its connector: that
   * one is kept with it. TxProfiles of the station's ended transactions go meanwhile: the charger
   * drops a TxProfile when its transaction ends.
   */
  async installed(stationId: string, connectorId: number, profile: Ocpp16.SetChargingProfileRequest['csChargingProfiles']): Promise<void> {
    await this.install(stationId, connectorId, profile, null);
  }

  /**
   * The charger accepted a RemoteStartTransaction carrying `profile` (a TxProfile, OCPP 1.6 §5.11):
   * it installs it as SetChargingProfile would, for the transaction it is about to start. That
   * transaction is the one the remote start `remoteStartId` is linked to by its StartTransaction
   * (RemoteStartTracker), read through it: the start may come before or long after this answer.
   * Until then the profile is not shown; once the remote start ended without one, it is gone.
   */
  async installedByRemoteStart(stationId: string, connectorId: number | undefined, profile: NonNullable<Ocpp16.RemoteStartTransactionRequest['chargingProfile']>, remoteStartId: number): Promise<void> {
    // Connector 0 stands for the one the charger picks: read from the transaction once it started.
    await this.install(stationId, connectorId ?? 0, profile, remoteStartId);
  }

  /**
   * The remote start whose answer carries `idTag` for `connectorId` on the station: the latest one
   * so recorded (RemoteStartTracker records it before the call goes out). Two identical remote starts
   * in flight at once could take each other's: both name the same tag and connector, and only one
   * of them can start a transaction there.
   */
  async remoteStartOf(stationId: string, idTag: string, connectorId: number | undefined): Promise<number | undefined> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM remote_starts WHERE station_id = $1 AND id_tag = $2 AND connector_id IS NOT DISTINCT FROM $3 ORDER BY id DESC LIMIT 1`,
      [stationId, idTag, connectorId ?? null],
    );
    return rows[0] ? Number(rows[0].id) : undefined;
  }

  private async install(stationId: string, connectorId: number, profile: Ocpp16.SetChargingProfileRequest['csChargingProfiles'], remoteStartId: number | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `DELETE FROM operator_profiles p WHERE p.station_id = $1 AND (p.charging_profile_id = $2 OR (${operatorProfileConnectorSql('p')} = $3 AND p.purpose = $4 AND p.stack_level = $5)
            OR (${endedTxProfileSql('p')} AND NOT ${awaitingStartSql('p')}))`,
        [stationId, profile.chargingProfileId, connectorId, profile.chargingProfilePurpose, profile.stackLevel],
      );
      await tx.query(
        `INSERT INTO operator_profiles (station_id, charging_profile_id, connector_id, purpose, stack_level, transaction_id, remote_start_id, profile)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 <> 'TxProfile' OR $7::bigint IS NOT NULL THEN NULL ELSE COALESCE($6::int,
           (SELECT transaction_id FROM transactions WHERE station_id = $1 AND connector_id = $3 AND stopped_at IS NULL ORDER BY started_at DESC LIMIT 1)) END, $7, $8)`,
        [stationId, profile.chargingProfileId, connectorId, profile.chargingProfilePurpose, profile.stackLevel, profile.transactionId ?? null, remoteStartId, JSON.stringify(profile)],
      );
    });
  }

  /**
   * Smart charging's own profile took the slot (connector, purpose, stack level) on the charger
   * (§3.13.2): an operator's profile there is gone. Its ids are never an operator's, so only the slot matters.
   * (A RemoteStartTransaction's TxProfile sent without a connector is on the one its transaction started on.)
   */
  async replacedBy(stationId: string, connectorId: number, purpose: string, stackLevel: number): Promise<void> {
    await this.db.query(`DELETE FROM operator_profiles p WHERE p.station_id = $1 AND ${operatorProfileConnectorSql('p')} = $2 AND p.purpose = $3 AND p.stack_level = $4`, [stationId, connectorId, purpose, stackLevel]);
  }

  /**
   * The charger cleared (`Accepted`) or holds none of (`Unknown`) the profiles a ClearChargingProfile
   * names: by id, else by its filters (connector, purpose, stack level; none: every profile). The
   * connector of a RemoteStartTransaction's TxProfile sent without one is that of its transaction.
   */
  async cleared(stationId: string, req: Ocpp16.ClearChargingProfileRequest): Promise<void> {
    if (req.id !== undefined) {
      await this.db.query(`DELETE FROM operator_profiles WHERE station_id = $1 AND charging_profile_id = $2`, [stationId, req.id]);
      return;
    }
    await this.db.query(
      `DELETE FROM operator_profiles p WHERE p.station_id = $1 AND ($2::int IS NULL OR ${operatorProfileConnectorSql('p')} = $2) AND ($3::text IS NULL OR p.purpose = $3)
         AND ($4::int IS NULL OR p.stack_level = $4)`,
      [stationId, req.connectorId ?? null, req.chargingProfilePurpose ?? null, req.stackLevel ?? null],
    );
  }
}
