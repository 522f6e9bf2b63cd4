/**
 * The daily request for extra capacity, pure (planner guide §5): unconstrained demand history →
 * a per-hour need for tomorrow → whether to ask and for what, in whole kW never above the contract.
 */
import { DAY_MS, HOUR_MS, taipeiMidnightBefore } from '../timeline/index.js';

/** A connector as the demand sampler sees it. */
export interface DemandSample {
  readonly sessionActive: boolean;
  readonly status?: string;
  readonly measuredW?: number;
  /** The power the planner allowed it (its allocation), W. */
  readonly allowedW?: number;
  /** The connector's rated maximum, W. */
  readonly maxW: number;
}

/**
 * What the sessions would draw without our limits. A session held at its allowance (drawing at
 * least 90 % of it, or paused by us) could have drawn its maximum; one drawing clearly less is
 * limited by the car, so its measurement is its demand. History under a cap would otherwise
 * under-state the need, and we would never ask for more.
 */
export function unconstrainedDemandW(connectors: readonly DemandSample[]): number {
  let sum = 0;
  for (const c of connectors) {
    if (!c.sessionActive) continue;
    const measured = c.measuredW ?? 0;
    const heldByUs = c.status === 'paused' || (c.allowedW !== undefined && c.allowedW > 0 && measured >= 0.9 * c.allowedW);
    sum += heldByUs ? c.maxW : Math.min(measured, c.maxW);
  }
  return sum;
}

/** The `p`-quantile (0–1) by nearest rank. */
export function percentileOf(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Average demand of one past hour. */
export interface HourlyDemand {
  readonly hourStartMs: number;
  readonly demandW: number;
}

/**
 * Tomorrow's need per hour: the `percentile` of the same hour on the same weekday over the last
 * `weeks` weeks; with fewer than two such days, the same hour on every day of the last 14; no
 * history → undefined (nothing is requested for that hour). The margin is added so that the
 * planner's `(1 − m)·L` still covers the demand.
 */
export function forecastNeed(history: readonly HourlyDemand[], dayStartMs: number, o: { margin: number; percentile: number; weeks: number }): (number | undefined)[] {
  const byStart = new Map(history.map((h) => [h.hourStartMs, h.demandW]));
  return Array.from({ length: 24 }, (_, h) => {
    const sameWeekday: number[] = [];
    for (let w = 1; w <= o.weeks; w++) {
      const v = byStart.get(dayStartMs - w * 7 * DAY_MS + h * HOUR_MS);
      if (v !== undefined) sameWeekday.push(v);
    }
    let values = sameWeekday;
    if (values.length < 2) {
      values = [];
      for (let d = 1; d <= 14; d++) {
        const v = byStart.get(dayStartMs - d * DAY_MS + h * HOUR_MS);
        if (v !== undefined) values.push(v);
      }
    }
    return values.length === 0 ? undefined : percentileOf(values, o.percentile) / (1 - o.margin);
  });
}

export interface AdjustDecision {
  readonly request: boolean;
  /** 24 whole-kW values (the whole day: the reply replaces it), present when requesting. */
  readonly requestedKw?: number[];
  readonly hours: { hour: number; needKw?: number; assignedKw: number; requestedKw?: number; short: boolean }[];
  readonly reason: string;
}

/**
 * Ask only where the need exceeds the assignment by more than max(2 kW, 5 %); then ask for every
 * hour `min(contract, max(assigned, ⌈need⌉))` in whole kW — hours that need nothing repeat the
 * assignment, because the reply replaces the whole day.
 */
export function decideAdjust(needW: readonly (number | undefined)[], assignedW: readonly number[], contractW: number): AdjustDecision {
  const contractKw = Math.floor(contractW / 1000);
  const hours = assignedW.map((assigned, hour) => {
    const need = needW[hour];
    const short = need !== undefined && need > assigned + Math.max(2000, 0.05 * assigned);
    return { hour, needKw: need === undefined ? undefined : Math.round(need) / 1000, assignedKw: assigned / 1000, short };
  });
  const shortHours = hours.filter((h) => h.short);
  if (shortHours.length === 0) return { request: false, hours, reason: 'the assignment covers the forecast demand in every hour' };
  const requestedKw = hours.map((h) => Math.min(contractKw, Math.max(Math.ceil(h.assignedKw - 1e-9), h.needKw === undefined ? 0 : Math.ceil(h.needKw - 1e-9))));
  if (requestedKw.every((kw, i) => kw <= Math.ceil(hours[i].assignedKw - 1e-9))) {
    return { request: false, hours, reason: 'the assignment is already at the contract capacity where more is needed' };
  }
  const list = shortHours.map((h) => h.hour).join(', ');
  return {
    request: true,
    requestedKw,
    hours: hours.map((h, i) => ({ ...h, requestedKw: requestedKw[i] })),
    reason: `forecast demand exceeds the assignment at hour${shortHours.length > 1 ? 's' : ''} ${list} (Asia/Taipei)`,
  };
}

/** Minutes after Taipei midnight of an `HH:MM` setting. */
export const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Where `nowMs` stands against today's decision time and cut-off (Asia/Taipei). */
export function adjustPhase(nowMs: number, decideAt: string, cutoff: string): 'before' | 'open' | 'closed' {
  const minutes = (nowMs - taipeiMidnightBefore(nowMs)) / 60_000;
  if (minutes < minutesOf(decideAt)) return 'before';
  return minutes < minutesOf(cutoff) ? 'open' : 'closed';
}
