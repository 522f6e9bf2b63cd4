/**
 * ELMO's view of a group's compliance (guide §7.5, §9.1): average kW per 15 minutes from the
 * lifetime register it received, against the effective limit
 * `min(day plan ?? contract, emergencies in force)`. The testbed does not know the contract, so a
 * quarter without day plan or emergency has no limit (`null`).
 */
import { HOUR_MS, taipeiDate } from '@cpo/oscp-protocol';
import type { Negotiation } from './negotiation.js';

const QUARTER_MS = 15 * 60_000;
const ASSIGNED: Negotiation['state'][] = ['NEGOTIATING', 'FINISH', 'EXTRA_REQUEST', 'EXTRA_REPLY_FAILED'];

export interface RegisterPoint {
  atMs: number;
  kwh: number;
}

export interface Emergency {
  startMs: number;
  endMs: number;
  kw: number;
}

export interface QuarterView {
  start: string;
  avgKw: number;
  limitKw: number | null;
  compliant: boolean;
}

/** The limit in force at `atMs`, or null when neither a day plan nor an emergency applies. */
export function effectiveLimitKw(atMs: number, negotiation: Negotiation | undefined, emergencies: Emergency[]): number | null {
  const hour = Math.floor(((atMs + 8 * HOUR_MS) % (24 * HOUR_MS)) / HOUR_MS);
  let limit: number | null = null;
  if (negotiation?.repliedKw) limit = negotiation.repliedKw[hour];
  else if (negotiation && ASSIGNED.includes(negotiation.state) && negotiation.assignedKw) limit = negotiation.assignedKw[hour];
  for (const e of emergencies) if (atMs >= e.startMs && atMs < e.endMs) limit = limit === null ? e.kw : Math.min(limit, e.kw);
  return limit;
}

/**
 * Average kW per quarter-hour between consecutive register points (energy ÷ time), judged against
 * the limit at the quarter's start. Quarters with fewer than two points are left out.
 */
export function quarterView(points: RegisterPoint[], negotiationFor: (day: string) => Negotiation | undefined, emergencies: Emergency[]): QuarterView[] {
  const sorted = [...new Map(points.map((p) => [p.atMs, p])).values()].sort((a, b) => a.atMs - b.atMs);
  const quarters = new Map<number, RegisterPoint[]>();
  for (const p of sorted) {
    const q = Math.floor(p.atMs / QUARTER_MS) * QUARTER_MS;
    quarters.set(q, [...(quarters.get(q) ?? []), p]);
  }
  const view: QuarterView[] = [];
  for (const [q, inQuarter] of quarters) {
    if (inQuarter.length < 2) continue;
    const first = inQuarter[0];
    const last = inQuarter[inQuarter.length - 1];
    const avgKw = Math.round(((last.kwh - first.kwh) / ((last.atMs - first.atMs) / HOUR_MS)) * 1000) / 1000;
    const limitKw = effectiveLimitKw(q, negotiationFor(taipeiDate(q)), emergencies);
    view.push({ start: new Date(q).toISOString(), avgKw, limitKw, compliant: limitKw === null || avgKw <= limitKw });
  }
  return view;
}
