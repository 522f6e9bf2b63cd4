/** Builders of `capacity.forecast.received` payloads for the timeline tests. */
import type { CapacityForecastKind, CapacityForecastReceived } from '@cpo/contracts';
import { HOUR_MS, taipeiDayStartMs } from '../taipei.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A day-ahead message: 24 hourly blocks for the Taipei `day`, `kw[h]` in kW (`null` = block omitted). */
export function dayAhead(day: string, kw: readonly (number | null)[], opts: { requestId: string; receivedAt: string; kind?: CapacityForecastKind }): CapacityForecastReceived {
  const start = taipeiDayStartMs(day);
  const blocks = kw.flatMap((v, h) =>
    v === null ? [] : [{ startTime: iso(start + h * HOUR_MS), endTime: iso(start + (h + 1) * HOUR_MS), powerW: v * 1000, phase: 'ALL' as const }],
  );
  return { partnerId: 'elmo', groupId: 'G1', requestId: opts.requestId, forecastType: 'CONSUMPTION', kind: opts.kind ?? 'day_ahead_assignment', receivedAt: opts.receivedAt, blocks };
}

/** A single-block message (emergency, generic or fallback). */
export function single(kind: CapacityForecastKind, startTime: string, endTime: string, kw: number, requestId: string, receivedAt = startTime): CapacityForecastReceived {
  return {
    partnerId: 'p',
    groupId: 'G1',
    requestId,
    forecastType: kind === 'fallback' ? 'FALLBACK' : 'CONSUMPTION',
    kind,
    receivedAt,
    blocks: [{ startTime, endTime, powerW: kw * 1000, phase: 'ALL' }],
  };
}

/** 24 equal hourly values. */
export const flat = (kw: number): number[] => Array.from({ length: 24 }, () => kw);
