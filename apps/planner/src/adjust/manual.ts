/**
 * An operator forcing tomorrow's extra-capacity request with explicit hourly values, pure: the
 * checks ELMO would apply (24 whole kW, never above the contract), the blocks and the decision
 * record, and until when it may be sent.
 */
import { ADJUST_BLOCK_COUNT, type CapacityAdjustBlock } from '@cpo/contracts';
import { HOUR_MS, TAIPEI_OFFSET_MS, taipeiDayStartMs, taipeiMidnightBefore } from '../timeline/index.js';

/**
 * Per-field problems of an operator's hourly values (`blocksKw[3]` → message); empty when valid.
 * Whole kW because ELMO keeps integer kW, and never above the contract because ELMO rejects it.
 */
export function manualBlockErrors(blocksKw: readonly unknown[], contractW: number): Record<string, string> {
  const errors: Record<string, string> = {};
  if (blocksKw.length !== ADJUST_BLOCK_COUNT) errors['blocksKw'] = `must hold exactly ${ADJUST_BLOCK_COUNT} hourly values (00:00–24:00 Asia/Taipei), got ${blocksKw.length}`;
  const contractKw = contractW / 1000;
  blocksKw.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) errors[`blocksKw[${i}]`] = 'must be a whole number of kW';
    else if (v < 0) errors[`blocksKw[${i}]`] = 'must be ≥ 0 kW';
    else if (v > contractKw) errors[`blocksKw[${i}]`] = `must not exceed the contract capacity of ${contractKw} kW`;
  });
  return errors;
}

/** `2026-12-05T13:00:00+08:00`: the provider's own time zone, as ELMO's blocks are written. */
export function taipeiIso(ms: number): string {
  return `${new Date(ms + TAIPEI_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** The 24 one-hour blocks of `day` for whole-kW values (payload in W). */
export function adjustBlocks(day: string, blocksKw: readonly number[]): CapacityAdjustBlock[] {
  const dayStartMs = taipeiDayStartMs(day);
  return blocksKw.map((kw, h) => ({
    startTime: taipeiIso(dayStartMs + h * HOUR_MS),
    endTime: taipeiIso(dayStartMs + (h + 1) * HOUR_MS),
    powerW: kw * 1000,
  }));
}

/**
 * The decision record of a forced request, in the daily job's shape (`request`, `requestedKw`,
 * `hours[]`), so the list and the reply tracking read both alike.
 */
export function manualDecision(blocksKw: readonly number[], assignedW: readonly number[], reason: string) {
  const hours = blocksKw.map((requestedKw, hour) => {
    const assignedKw = assignedW[hour] / 1000;
    return { hour, assignedKw, requestedKw, short: requestedKw > assignedKw };
  });
  return { request: true as const, requestedKw: [...blocksKw], hours, reason };
}

/**
 * Whether tomorrow can still be requested at `nowMs`: an operator may force a request any time
 * today before the cut-off (`HH:MM` Asia/Taipei), not only from the daily decision time on.
 */
export function beforeCutoff(nowMs: number, cutoff: string): boolean {
  const minutes = (nowMs - taipeiMidnightBefore(nowMs)) / 60_000;
  return minutes < Number(cutoff.slice(0, 2)) * 60 + Number(cutoff.slice(3, 5));
}
