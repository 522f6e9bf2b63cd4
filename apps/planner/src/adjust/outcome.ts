/**
 * What came of an extra-capacity request, pure (guide §5 "Afterwards"): the provider's reply
 * replaces tomorrow's plan; no reply by 16:10 means the assignment stands. The ratio
 * granted/requested per group calibrates future requests.
 */
import { ADJUST_BLOCK_COUNT } from '@cpo/contracts';
import { HOUR_MS, taipeiDayOf, taipeiDayStartMs } from '../timeline/index.js';

/** ELMO answers by 16:00 Asia/Taipei on the day before; 16:10 leaves room for the 16:00 automatic reply. */
const REPLY_DEADLINE_BEFORE_DAY_MS = 7 * HOUR_MS + 50 * 60_000;

/** The two per-hour series a recorded request is judged by. */
export interface RequestedDay {
  readonly requestedKw: readonly number[];
  readonly assignedKw: readonly number[];
}

/**
 * The request of a stored decision (`requestedKw` and `hours[].assignedKw`, as written by the
 * daily job and by operators); undefined when the decision sent nothing or is not readable.
 */
export function requestedDayOf(decision: unknown): RequestedDay | undefined {
  if (typeof decision !== 'object' || decision === null) return undefined;
  const d = decision as { request?: unknown; requestedKw?: unknown; hours?: unknown };
  if (d.request !== true || !Array.isArray(d.requestedKw) || !Array.isArray(d.hours)) return undefined;
  const requestedKw = d.requestedKw.map(Number);
  const assigned = new Map<number, number>();
  for (const h of d.hours as { hour?: unknown; assignedKw?: unknown }[]) assigned.set(Number(h.hour), Number(h.assignedKw));
  const assignedKw = requestedKw.map((_, hour) => assigned.get(hour) ?? NaN);
  if (requestedKw.length !== ADJUST_BLOCK_COUNT || [...requestedKw, ...assignedKw].some((v) => !Number.isFinite(v))) return undefined;
  return { requestedKw, assignedKw };
}

/** A `day_ahead_reply` forecast as stored. */
export interface ReplyForecast {
  readonly requestId: string;
  readonly receivedAtMs: number;
  readonly blocks: readonly { startMs: number; endMs: number; powerW: number }[];
}

/** The reply for `day`: the newest reply whose first block lies on that Taipei day. */
export function pickReply(replies: readonly ReplyForecast[], day: string): ReplyForecast | undefined {
  let best: ReplyForecast | undefined;
  for (const r of replies) {
    const first = Math.min(...r.blocks.map((b) => b.startMs));
    if (!Number.isFinite(first) || taipeiDayOf(first) !== day) continue;
    if (best === undefined || r.receivedAtMs > best.receivedAtMs) best = r;
  }
  return best;
}

/**
 * kW per hour of `day` from a day plan's blocks (the assignment, or the reply): the time-weighted
 * average over each hour, where an hour (or part of one) without a block is the contract
 * capacity — ELMO's `null` hour.
 */
export function hourlyKw(day: string, blocks: ReplyForecast['blocks'], contractW: number): number[] {
  const dayStartMs = taipeiDayStartMs(day);
  return Array.from({ length: ADJUST_BLOCK_COUNT }, (_, h) => {
    const from = dayStartMs + h * HOUR_MS;
    const to = from + HOUR_MS;
    let covered = 0;
    let wh = 0;
    for (const b of blocks) {
      const overlap = Math.min(to, b.endMs) - Math.max(from, b.startMs);
      if (overlap <= 0) continue;
      covered += overlap;
      wh += b.powerW * overlap;
    }
    wh += contractW * Math.max(0, HOUR_MS - covered);
    return wh / HOUR_MS / 1000;
  });
}

/** When no reply can be expected any more for `day` (16:10 Asia/Taipei the day before). */
export function replyDeadlineMs(day: string): number {
  return taipeiDayStartMs(day) - REPLY_DEADLINE_BEFORE_DAY_MS;
}

export interface AdjustOutcome {
  readonly kind: 'replied' | 'no_reply';
  readonly hours: { hour: number; assignedKw: number; requestedKw: number; grantedKw: number }[];
  /** Over the whole day, kWh (hourly kW summed). */
  readonly requestedKwh: number;
  readonly grantedKwh: number;
  /** Granted / requested energy of the day; 1 when nothing was asked. */
  readonly ratio: number;
  /** The extra over the assignment we asked for, and how much of it was granted (capped at what was asked). */
  readonly extraRequestedKwh: number;
  readonly extraGrantedKwh: number;
  /** extraGranted / extraRequested; undefined when no extra was asked (an operator may ask less). */
  readonly extraRatio?: number;
}

/** Compares what was asked with what was granted, hour by hour. Without a reply the assignment stands. */
export function adjustOutcome(requested: RequestedDay, grantedKw: readonly number[] | undefined): AdjustOutcome {
  const granted = grantedKw ?? requested.assignedKw;
  const hours = requested.requestedKw.map((requestedKw, hour) => ({ hour, assignedKw: requested.assignedKw[hour], requestedKw, grantedKw: round3(granted[hour]) }));
  let requestedKwh = 0;
  let grantedKwh = 0;
  let extraRequestedKwh = 0;
  let extraGrantedKwh = 0;
  for (const h of hours) {
    requestedKwh += h.requestedKw;
    grantedKwh += h.grantedKw;
    extraRequestedKwh += Math.max(0, h.requestedKw - h.assignedKw);
    extraGrantedKwh += Math.max(0, Math.min(h.grantedKw, h.requestedKw) - h.assignedKw);
  }
  return {
    kind: grantedKw === undefined ? 'no_reply' : 'replied',
    hours,
    requestedKwh: round3(requestedKwh),
    grantedKwh: round3(grantedKwh),
    ratio: requestedKwh > 0 ? round4(grantedKwh / requestedKwh) : 1,
    extraRequestedKwh: round3(extraRequestedKwh),
    extraGrantedKwh: round3(extraGrantedKwh),
    extraRatio: extraRequestedKwh > 0 ? round4(extraGrantedKwh / extraRequestedKwh) : undefined,
  };
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;
