import { roundHalfEven } from '../connection/transaction-fields.js';
import { deliveredWh, REGISTER_SLACK_WH, type MeterReading } from './transaction.repository.js';

/** One main-register reading of a session (`SESSION_REGISTERS_SQL`), in Wh, with its time of record. */
export interface RegisterReading {
  registerWh: number;
  sampledAtMs: number;
}

/**
 * The main-register values of one reading not stored yet (the stop's transactionData), by the rule
 * `sessionRegistersSql` applies to stored ones: Energy.Active.Import.Register at the Outlet or no
 * location, no phase, Wh or kWh, a number (under 1e15, as the SQL's bigint needs).
 */
export function mainRegisters(reading: MeterReading): RegisterReading[] {
  const sampledAtMs = Date.parse(reading.sampledAt);
  return reading.samples
    .filter((s) => s.measurand === 'Energy.Active.Import.Register' && (s.unit === 'Wh' || s.unit === 'kWh') && s.phase === undefined)
    .filter((s) => (s.location ?? 'Outlet') === 'Outlet' && typeof s.value === 'number' && Math.abs(s.value) < 1e15)
    // As PostgreSQL rounds the stored readings: a transactionData sample repeating one (12.3445 kWh,
    // 100.5 Wh) must give the stored Wh, or it reads as 1 Wh more.
    .map((s) => ({ registerWh: roundHalfEven((s.value as number) * (s.unit === 'kWh' ? 1000 : 1)), sampledAtMs }));
}


/**
 * The registers of a session's readings, in arrival order, less those stamped before one that
 * arrived earlier. Arrival order, not the stamps: a charger delivers its transaction messages in
 * order (OCPP 1.6 §3.7.1), while a stamp can be wrong (a clock that jumped), and one reading placed
 * out of order looks like a drop, which counts as a restart the whole register after it, the
 * lifetime of the meter. A late reading (a retried MeterValues, the stop's transactionData
 * repeating samples already received) only refines a segment, so ignoring it can only under-bill.
 */
export function keptRegisters(readings: readonly RegisterReading[]): number[] {
  const kept: number[] = [];
  let latest = -Infinity;
  for (const r of readings) {
    if (r.sampledAtMs < latest) continue;
    latest = r.sampledAtMs;
    kept.push(r.registerWh);
  }
  return kept;
}

/**
 * Energy delivered over a session's register series (meterStart, `registers`, `endWh`): the sum of
 * its increments. A drop more than REGISTER_SLACK_WH below the mark and meterStart is a meter that
 * restarted (that segment counts from zero); a drop within it, a register rounded down, adds nothing
 * and keeps the mark (lowered, the rounding would be counted again on the way up). Without readings, exactly
 * `deliveredWh(meterStart, endWh)`. Only when the end itself reads as a restart (far below the
 * start) are the readings in between used: an end at or above the start, after readings far below
 * it, is firmware reporting the session's energy in MeterValues beside a lifetime register at start
 * and stop, and their sum would bill the lifetime register. A restarted meter climbing back past
 * meterStart by the stop is under-billed (its segments before the climb are lost): the safer error.
 */
export function seriesDeliveredWh(meterStartWh: number, registers: readonly number[], endWh: number): number {
  if (!endsInRestart(meterStartWh, endWh)) return deliveredWh(meterStartWh, endWh);
  let mark = meterStartWh;
  let total = 0;
  // The session's own register and total where it first dropped far below: a register back at the
  // session's level later (above meterStart less the slack; not only near where it dropped: a stale
  // register, meterStart again) was a misread (a failed poll reading 0), not a restart; counted from
  // zero, the climb back would bill the meter's lifetime register. Only the first level: a restarted
  // meter cannot climb back to a lifetime register within a session, but may pass a later segment's.
  let dropped: { mark: number; total: number } | undefined;
  // Likewise before the latest rise at the session's own level: a drop back near it was that rise
  // misread (0xFFFFFFFF from a failed poll), not a restart billing the register it falls back to.
  let rose: { mark: number; total: number } | undefined;
  for (const wh of [...registers, endWh]) {
    if (dropped && wh > meterStartWh - REGISTER_SLACK_WH) {
      total = dropped.total + Math.max(0, wh - dropped.mark);
      mark = Math.max(wh, dropped.mark);
      dropped = rose = undefined;
    } else if (wh >= mark) {
      if (wh > mark) rose = mark > meterStartWh - REGISTER_SLACK_WH ? { mark, total } : undefined;
      total += wh - mark;
      mark = wh;
    } else if (wh <= mark - REGISTER_SLACK_WH && wh > meterStartWh - REGISTER_SLACK_WH) {
      // Far below yet at the session's level, which a restarted meter (from zero) cannot be: a misread
      // (two spikes, a stale register). Not near the rise, it counts from meterStart: the lower bill,
      // and a later real reading restores the level (there the energy is the register less meterStart).
      const from = rose && wh > rose.mark - REGISTER_SLACK_WH ? rose : { mark: meterStartWh, total: 0 };
      total = from.total + Math.max(0, wh - from.mark);
      mark = Math.max(wh, from.mark);
      rose = undefined;
    } else if (wh <= mark - REGISTER_SLACK_WH) {
      rose = undefined;
      if (!dropped && mark > meterStartWh - REGISTER_SLACK_WH) dropped = { mark, total };
      // A restart: this segment counts from zero (a negative register, a broken meter, from nothing).
      mark = Math.max(0, wh);
      total += mark;
    }
  }
  return total;
}

/**
 * Whether `seriesDeliveredWh` reads the registers between start and end: only for an end far below
 * the start. Otherwise the series (a scan of the station's readings since the start) need not be read.
 */
export function endsInRestart(meterStartWh: number, endWh: number): boolean {
  return endWh <= meterStartWh - REGISTER_SLACK_WH;
}

/** Energy a running session has delivered so far: its series up to the latest kept reading; null before one. */
export function runningDeliveredWh(meterStartWh: number, readings: readonly RegisterReading[]): number | null {
  const kept = keptRegisters(readings);
  const end = kept.pop();
  return end === undefined ? null : seriesDeliveredWh(meterStartWh, kept, end);
}
