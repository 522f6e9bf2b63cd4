/**
 * ELMO's day-ahead negotiation per group and day (guide §7.3, §9.1) and the forecast shapes ELMO
 * sends. Pure: the store keeps the records, the clock comes from the caller.
 */
import { HOUR_MS, MINUTE_MS, formatTaipei, taipeiDayHours, taipeiMidnightMs, taipeiTomorrow, addDays, taipeiDate, type ForecastedBlock } from '@cpo/oscp-protocol';

export type NegotiationState =
  | 'INITIAL_EDIT'
  | 'NEGOTIATING'
  | 'NEGOTIATING_FAILED'
  | 'EXTRA_REQUEST'
  | 'EXTRA_REPLY_FINISH'
  | 'EXTRA_REPLY_AUTO'
  | 'EXTRA_REPLY_FAILED'
  | 'FINISH';

export interface Negotiation {
  groupId: string;
  day: string;
  state: NegotiationState;
  /** The hourly kW of the assign, once sent. */
  assignedKw: number[] | null;
  /** The hourly integer kW of the accepted adjust. */
  requestedKw: number[] | null;
  /** The hourly kW of the delivered reply, which replaces the assignment. */
  repliedKw?: number[];
}

/** 24 hourly `KW`/`ALL` blocks of a Taipei day, formatted as ELMO does. */
export function dayAheadBlocks(day: string, kw: number | (number | null)[]): ForecastedBlock[] {
  return taipeiDayHours(day).map((h, i) => ({
    capacity: Array.isArray(kw) ? kw[i] : kw,
    phase: 'ALL',
    unit: 'KW',
    start_time: formatTaipei(h.startMs),
    end_time: formatTaipei(h.endMs),
  }));
}

const QUARTER_MS = 15 * MINUTE_MS;

/**
 * An emergency as ELMO sends it: one block from the first quarter-hour at least 15 min after
 * `now` until the next Taipei midnight (`utc` renders the times with `Z`, as ELMO's container may).
 */
export function emergencyBlock(now: Date, capacityKw: number, utc = false): ForecastedBlock {
  const start = Math.ceil((now.getTime() + QUARTER_MS) / QUARTER_MS) * QUARTER_MS;
  const end = taipeiMidnightMs(addDays(taipeiDate(start), 1));
  const fmt = (ms: number) => (utc ? new Date(ms).toISOString() : formatTaipei(ms));
  return { capacity: capacityKw, phase: 'ALL', unit: 'KW', start_time: fmt(start), end_time: fmt(end) };
}

/** The day a day-ahead trigger is for: always tomorrow at `now`. */
export function negotiationDay(now: Date): string {
  return taipeiTomorrow(now);
}

/** ELMO's answer to an adjust request given tomorrow's negotiation (§7.1): 404, 400 or accepted. */
export function adjustVerdict(n: Negotiation | undefined): { status: 204 } | { status: 400 | 404; message: string } {
  if (!n) return { status: 404, message: 'no negotiation for tomorrow' };
  if (n.state !== 'NEGOTIATING') return { status: 400, message: `negotiation is ${n.state}, not NEGOTIATING` };
  return { status: 204 };
}

/** Hourly integer kW ELMO keeps from an adjust: the Taipei hour of each start, rounded half-up. */
export function keptHourlyKw(blocks: ForecastedBlock[]): number[] {
  const kw = new Array<number>(24).fill(0);
  for (const b of blocks) {
    const hour = Math.floor(((Date.parse(b.start_time) + 8 * HOUR_MS) % (24 * HOUR_MS)) / HOUR_MS);
    kw[hour] = Math.floor((b.capacity ?? 0) + 0.5);
  }
  return kw;
}
