import type { ConnectorLimit } from '@cpo/contracts';

/** Rows of `charging_profiles` as the repository hands them out: desired (from the planner) beside applied (the charger's accepted form). */
export type ProfileState = 'pending' | 'applied' | 'rejected' | 'failed' | 'cleared';

export interface DesiredProfileRow {
  stationId: string;
  chargingProfileId: number;
  connectorId: number;
  purpose: string;
  stackLevel: number;
  desired: ConnectorLimit;
  planId: string | null;
  desiredAt: Date;
  state: ProfileState;
  applied: Record<string, unknown> | null;
  appliedAt: Date | null;
  lastResult: string | null;
  /** Tries without an answer since the last accepted one (or since the plan arrived). */
  attempts: number;
}

/** A desired profile with why it is due to be sent now: not yet applied, its lease due for renewal, or not due (null). */
export interface StationProfileRow extends DesiredProfileRow {
  due: 'unapplied' | 'lease' | null;
}

export function toRow(r: Record<string, unknown>): DesiredProfileRow {
  return {
    stationId: r['station_id'] as string,
    chargingProfileId: Number(r['charging_profile_id']),
    connectorId: Number(r['connector_id']),
    purpose: r['purpose'] as string,
    stackLevel: Number(r['stack_level']),
    desired: r['desired'] as ConnectorLimit,
    planId: (r['plan_id'] as string | null) ?? null,
    desiredAt: r['desired_at'] as Date,
    state: r['state'] as ProfileState,
    applied: (r['applied'] as Record<string, unknown> | null) ?? null,
    appliedAt: (r['applied_at'] as Date | null) ?? null,
    lastResult: (r['last_result'] as string | null) ?? null,
    attempts: Number(r['attempts']),
  };
}
