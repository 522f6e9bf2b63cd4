import type { GraphPeriod } from './types.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Parses a graph date as UTC: ISO 8601 with `Z` or an offset, or `YYYY-MM-DD[ HH:mm[:ss]]`
 * (also with `T`) read as UTC. Undefined when it is neither or not a real date.
 */
export function parseGraphDate(input: string): Date | undefined {
  const s = input.trim();
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(s);
  if (local) {
    const [, y, mo, d, h = '0', mi = '0', sec = '0', ms = '0'] = local;
    const date = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec, +ms.padEnd(3, '0')));
    // Date.UTC rolls 2025-02-30 over to March: refuse instead.
    const real = date.getUTCFullYear() === +y && date.getUTCMonth() === +mo - 1 && date.getUTCDate() === +d && date.getUTCHours() === +h && date.getUTCMinutes() === +mi;
    return real ? date : undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(s)) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}

export interface GraphWindow {
  period: GraphPeriod;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

export type GraphWindowResult = { ok: true; window: GraphWindow } | { ok: false; fieldError: Record<string, string> };

/**
 * The query window (§10): period defaults to PER_METER, end to now, start to 24 h (PER_METER,
 * HOUR), 31 days (DAY) or 12 months (MONTH) before the end. The interval is [start, end).
 */
export function resolveGraphWindow(query: { period?: GraphPeriod; startDate?: string; endDate?: string }, now: Date): GraphWindowResult {
  const period = query.period ?? 'PER_METER';
  const fieldError: Record<string, string> = {};
  const end = query.endDate !== undefined ? parseGraphDate(query.endDate) : now;
  if (end === undefined) fieldError.endDate = 'must be an ISO 8601 date-time or YYYY-MM-DD[ HH:mm[:ss]] (UTC)';
  const start = query.startDate !== undefined ? parseGraphDate(query.startDate) : end && defaultStart(period, end);
  if (start === undefined && query.startDate !== undefined) fieldError.startDate = 'must be an ISO 8601 date-time or YYYY-MM-DD[ HH:mm[:ss]] (UTC)';
  if (start && end && start.getTime() >= end.getTime()) fieldError.endDate = 'must be after startDate';
  if (Object.keys(fieldError).length > 0 || !start || !end) return { ok: false, fieldError };
  return { ok: true, window: { period, start, end } };
}

function defaultStart(period: GraphPeriod, end: Date): Date {
  switch (period) {
    case 'PER_METER':
    case 'HOUR':
      return new Date(end.getTime() - DAY_MS);
    case 'DAY':
      return new Date(end.getTime() - 31 * DAY_MS);
    case 'MONTH': {
      const d = new Date(end);
      d.setUTCMonth(d.getUTCMonth() - 12);
      return d;
    }
  }
}

const p2 = (n: number) => String(n).padStart(2, '0');

/**
 * The `term` label of a bucket start, exactly as the guide documents it: MONTH `YYYY-MM`,
 * DAY `YY-MM-DD`, HOUR `DD-HH`, PER_METER `YY-MM-DD HH:MM` (all UTC).
 */
export function formatTerm(period: GraphPeriod, at: Date): string {
  const yyyy = String(at.getUTCFullYear()).padStart(4, '0');
  const yy = yyyy.slice(-2);
  const mm = p2(at.getUTCMonth() + 1);
  const dd = p2(at.getUTCDate());
  const hh = p2(at.getUTCHours());
  switch (period) {
    case 'MONTH':
      return `${yyyy}-${mm}`;
    case 'DAY':
      return `${yy}-${mm}-${dd}`;
    case 'HOUR':
      return `${dd}-${hh}`;
    case 'PER_METER':
      return `${yy}-${mm}-${dd} ${hh}:${p2(at.getUTCMinutes())}`;
  }
}
