import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ValidationPolicy } from './station-context.js';

/** What a live session holds of its station's operator settings, as stored now. */
export interface LiveStationSettings {
  id: string;
  passwordHash: string | null;
  securityProfile: number;
  registrationStatus: 'Accepted' | 'Pending' | 'Rejected';
  validationPolicy: ValidationPolicy;
  autoRegistered: boolean;
}

/** Ids per statement: one array parameter, so a replica holding tens of thousands stays a handful of round trips. */
export const RECHECK_CHUNK = 5_000;

/** The settings the session re-check compares live sessions against (SQL only; the rules are in session-recheck.ts). */
@Injectable()
export class SessionRecheckRepository {
  constructor(private readonly db: DataSource) {}

  /** The stations among `ids` that exist (a deleted one is simply missing). */
  async settings(ids: readonly string[]): Promise<LiveStationSettings[]> {
    const found: LiveStationSettings[] = [];
    for (let i = 0; i < ids.length; i += RECHECK_CHUNK) {
      const rows: Record<string, unknown>[] = await this.db.query(
        `SELECT id, password_hash, security_profile, registration_status, validation_policy, auto_registered FROM stations WHERE id = ANY($1::text[])`,
        [ids.slice(i, i + RECHECK_CHUNK)],
      );
      for (const r of rows) {
        found.push({
          id: r['id'] as string,
          passwordHash: r['password_hash'] as string | null,
          securityProfile: Number(r['security_profile']),
          registrationStatus: r['registration_status'] as LiveStationSettings['registrationStatus'],
          validationPolicy: r['validation_policy'] as ValidationPolicy,
          autoRegistered: r['auto_registered'] === true,
        });
      }
    }
    return found;
  }
}
