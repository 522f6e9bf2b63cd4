import { Injectable } from '@nestjs/common';
import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { DataSource } from 'typeorm';
import { endedWithoutStopSql } from '../transactions/lost-stop.js';

/** SQL: the operator profile aliased `o` is a TxProfile whose transaction is over (stopped, or ended without its stop by the rule every view follows). */
export function endedTxProfileSql(o: string): string {
  return `(${o}.purpose = 'TxProfile' AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.station_id = ${o}.station_id AND t.transaction_id = ${o}.transaction_id
      AND t.stopped_at IS NULL AND NOT ${endedWithoutStopSql('t', `'infinity'`)}))`;
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
    await this.db.transaction(async (tx) => {
      await tx.query(
        `DELETE FROM operator_profiles p WHERE p.station_id = $1 AND (p.charging_profile_id = $2 OR (p.connector_id = $3 AND p.purpose = $4 AND p.stack_level = $5)
            OR ${endedTxProfileSql('p')})`,
        [stationId, profile.chargingProfileId, connectorId, profile.chargingProfilePurpose, profile.stackLevel],
      );
      await tx.query(
        `INSERT INTO operator_profiles (station_id, charging_profile_id, connector_id, purpose, stack_level, transaction_id, profile)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 <> 'TxProfile' THEN NULL ELSE COALESCE($6::int,
           (SELECT transaction_id FROM transactions WHERE station_id = $1 AND connector_id = $3 AND stopped_at IS NULL ORDER BY started_at DESC LIMIT 1)) END, $7)`,
        [stationId, profile.chargingProfileId, connectorId, profile.chargingProfilePurpose, profile.stackLevel, profile.transactionId ?? null, JSON.stringify(profile)],
      );
    });
  }

  /**
   * Smart charging's own profile took the slot (connector, purpose, stack level) on the charger
   * (§3.13.2): an operator's profile there is gone. Its ids are never an operator's, so only the slot matters.
   */
  async replacedBy(stationId: string, connectorId: number, purpose: string, stackLevel: number): Promise<void> {
    await this.db.query(`DELETE FROM operator_profiles WHERE station_id = $1 AND connector_id = $2 AND purpose = $3 AND stack_level = $4`, [stationId, connectorId, purpose, stackLevel]);
  }

  /**
   * The charger cleared (`Accepted`) or holds none of (`Unknown`) the profiles a ClearChargingProfile
   * names: by id, else by its filters (connector, purpose, stack level; none: every profile).
   */
  async cleared(stationId: string, req: Ocpp16.ClearChargingProfileRequest): Promise<void> {
    if (req.id !== undefined) {
      await this.db.query(`DELETE FROM operator_profiles WHERE station_id = $1 AND charging_profile_id = $2`, [stationId, req.id]);
      return;
    }
    await this.db.query(
      `DELETE FROM operator_profiles WHERE station_id = $1 AND ($2::int IS NULL OR connector_id = $2) AND ($3::text IS NULL OR purpose = $3) AND ($4::int IS NULL OR stack_level = $4)`,
      [stationId, req.connectorId ?? null, req.chargingProfilePurpose ?? null, req.stackLevel ?? null],
    );
  }
}
