/**
 * The price of a session under an OCPI Tariff (`mod_tariffs` §Tariff, TariffElement, PriceComponent,
 * TariffRestrictions), with the restrictions evaluated as the versions define them:
 * - for each dimension (ENERGY, TIME, PARKING_TIME, FLAT), at each moment the first element whose
 *   restrictions match and that prices the dimension applies; no such element → that part is free;
 * - restrictions: `start_time`/`end_time` (local time of day, end exclusive, wrapping past midnight
 *   when end < start), `start_date`/`end_date` (local, end exclusive), `day_of_week` (local),
 *   `min_kwh`/`max_kwh` (energy charged so far), `min_duration`/`max_duration` (seconds since the
 *   session start), `min_power`/`max_power` (kW) and, on 2.2.1 only, `min_current`/`max_current` (A)
 *   — minimums inclusive, maximums exclusive; an element with a 2.2.1 `reservation` restriction
 *   prices reservations, never charging;
 * - ENERGY per kWh, TIME (charging) and PARKING_TIME per hour, FLAT once (the first FLAT that
 *   applies); `step_size` (Wh / seconds) rounds the dimension's total up, billed at the price of the
 *   last component of the run (2.2.1: "only for the last TariffElement, and when switching to an
 *   element without that dimension");
 * - 2.2.1 `min_price`/`max_price` bound the total; `incl_vat` only when every billed component has `vat`.
 * Energy is spread evenly over each usage period (the power is the period's average unless given).
 * Each restriction is evaluated on its own (a night element for FRIDAY 22:00–06:00 does not cover
 * Saturday 02:00). Cross-dimension rounding (TIME rounding covering PARKING_TIME) is not applied.
 */
import type { OcpiVersion } from './status.js';

type Json = Record<string, unknown>;

export interface UsagePeriod {
  /** End of the period (DateTime); it starts where the previous one ended, the first at the session start. */
  end: string;
  /** Energy charged during the period, in kWh. */
  kwh: number;
  /** Plugged in but not charging: billed as PARKING_TIME instead of TIME. */
  parking?: boolean;
  /** Charging power in kW; default the period's average. */
  powerKw?: number;
  /** Sum of the current over all phases in A; unknown → elements restricted by current do not apply. */
  currentA?: number;
}

export interface SessionUsage {
  start: string;
  /** IANA time zone of the Location (local time restrictions); default (and when invalid) UTC. */
  timeZone?: string;
  periods: UsagePeriod[];
}

export interface Price {
  excl_vat: number;
  incl_vat?: number;
}

export interface CostBreakdown {
  total: Price;
  energy?: Price;
  time?: Price;
  parking?: Price;
  fixed?: Price;
}

type Dimension = 'ENERGY' | 'TIME' | 'PARKING_TIME' | 'FLAT';
const UNIT: Record<Exclude<Dimension, 'FLAT'>, number> = { ENERGY: 1000, TIME: 3600, PARKING_TIME: 3600 };
const round = (n: number) => Math.round(n * 10_000) / 10_000;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What the restrictions look at, at one moment of the session. */
export interface PricingState {
  localDate: string;
  localTime: string;
  dayOfWeek: string;
  kwhSoFar: number;
  elapsedSeconds: number;
  powerKw: number;
  currentA?: number;
  parking: boolean;
}

/** Whether an element's restrictions hold in a state. */
export function restrictionsMatch(element: Json, s: PricingState, version: OcpiVersion = '2.2.1'): boolean {
  const r = element.restrictions;
  if (typeof r !== 'object' || r === null) return true;
  const x = r as Json;
  if (version === '2.2.1' && x.reservation !== undefined) return false;
  const startTime = str(x.start_time);
  const endTime = str(x.end_time);
  if (startTime !== undefined && endTime !== undefined && endTime < startTime) {
    if (!(s.localTime >= startTime || s.localTime < endTime)) return false;
  } else {
    if (startTime !== undefined && s.localTime < startTime) return false;
    if (endTime !== undefined && s.localTime >= endTime) return false;
  }
  if (str(x.start_date) !== undefined && s.localDate < String(x.start_date)) return false;
  if (str(x.end_date) !== undefined && s.localDate >= String(x.end_date)) return false;
  if (Array.isArray(x.day_of_week) && x.day_of_week.length > 0 && !x.day_of_week.includes(s.dayOfWeek)) return false;
  const within = (value: number | undefined, min: unknown, max: unknown): boolean => {
    const lo = num(min);
    const hi = num(max);
    if (lo === undefined && hi === undefined) return true;
    if (value === undefined) return false;
    return (lo === undefined || value >= lo) && (hi === undefined || value < hi);
  };
  if (!within(s.kwhSoFar, x.min_kwh, x.max_kwh)) return false;
  if (!within(s.elapsedSeconds, x.min_duration, x.max_duration)) return false;
  if (!within(s.parking ? 0 : s.powerKw, x.min_power, x.max_power)) return false;
  if (version === '2.2.1' && !within(s.parking ? 0 : s.currentA, x.min_current, x.max_current)) return false;
  return true;
}

class DimensionBill {
  volume = 0;
  accounted = 0;
  excl = 0;
  incl = 0;
  allVat = true;
  billed = false;
  private run?: Json;

  constructor(private readonly unit: number) {}

  add(component: Json | undefined, volume: number): void {
    if (!component) {
      this.close();
      return;
    }
    this.run = component;
    this.charge(component, volume);
    this.volume += volume;
    this.accounted += volume;
  }

  /** The end of a run of this dimension: its total rounded up to the last component's step. */
  close(): void {
    if (!this.run) return;
    const step = Math.max(1, num(this.run.step_size) ?? 1);
    const extra = Math.max(0, Math.ceil(this.volume / step - 1e-6) * step - this.accounted);
    this.charge(this.run, extra);
    this.accounted += extra;
    this.run = undefined;
  }

  private charge(component: Json, volume: number): void {
    const amount = (volume * (num(component.price) ?? 0)) / this.unit;
    this.billed = true;
    this.excl += amount;
    const vat = num(component.vat);
    if (vat === undefined) this.allVat = false;
    else this.incl += amount * (1 + vat / 100);
  }

  price(): Price | undefined {
    return this.billed ? toPrice(this.excl, this.incl, this.allVat) : undefined;
  }
}

function toPrice(excl: number, incl: number, allVat: boolean): Price {
  return allVat ? { excl_vat: round(excl), incl_vat: round(incl) } : { excl_vat: round(excl) };
}

function localClock(timeZone: string | undefined): (ms: number) => { date: string; time: string; day: string } {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: timeZone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'long', hourCycle: 'h23' });
  } catch {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'long', hourCycle: 'h23' });
  }
  return (ms) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, day: String(p.weekday).toUpperCase() };
  };
}

/** The instants where some restriction may change: period ends, local clock times, duration and energy thresholds. */
function breakpoints(elements: Json[], usage: SessionUsage, clock: (ms: number) => { time: string }): number[] {
  const start = Date.parse(usage.start);
  const points = new Set<number>([start]);
  const restrictions = elements.map((e) => (typeof e.restrictions === 'object' && e.restrictions !== null ? (e.restrictions as Json) : {}));
  const clockTimes = new Set<string>();
  let usesClock = false;
  for (const r of restrictions) {
    for (const k of ['start_time', 'end_time']) if (typeof r[k] === 'string') clockTimes.add(String(r[k]));
    if (r.start_time !== undefined || r.end_time !== undefined || r.start_date !== undefined || r.end_date !== undefined || r.day_of_week !== undefined) usesClock = true;
  }
  clockTimes.add('00:00');
  let periodStart = start;
  let kwh = 0;
  for (const p of usage.periods) {
    const end = Date.parse(p.end);
    points.add(end);
    if (p.kwh > 0 && end > periodStart) {
      for (const r of restrictions) {
        for (const t of [num(r.min_kwh), num(r.max_kwh)]) {
          if (t !== undefined && t > kwh && t < kwh + p.kwh) points.add(periodStart + ((t - kwh) / p.kwh) * (end - periodStart));
        }
      }
    }
    kwh += p.kwh;
    periodStart = Math.max(periodStart, end);
  }
  const end = periodStart;
  for (const r of restrictions) {
    for (const d of [num(r.min_duration), num(r.max_duration)]) if (d !== undefined && start + d * 1000 < end) points.add(start + d * 1000);
  }
  // Local clock boundaries fall on whole UTC minutes (every time zone offset in use is whole minutes).
  if (usesClock) {
    for (let m = Math.ceil(start / 60_000) * 60_000; m < end; m += 60_000) if (clockTimes.has(clock(m).time)) points.add(m);
  }
  return [...points].filter((t) => t >= start && t <= end).sort((a, b) => a - b);
}

/** The cost of a session under a Tariff of the given version (see the module comment). */
export function priceSession(tariff: Json | undefined, usage: SessionUsage, version: OcpiVersion = '2.2.1'): CostBreakdown {
  const elements = tariff && Array.isArray(tariff.elements) ? (tariff.elements as Json[]) : [];
  const clock = localClock(usage.timeZone);
  const bills = { ENERGY: new DimensionBill(UNIT.ENERGY), TIME: new DimensionBill(UNIT.TIME), PARKING_TIME: new DimensionBill(UNIT.PARKING_TIME) };
  let flat: { excl: number; incl: number; allVat: boolean } | undefined;
  const start = Date.parse(usage.start);
  const points = breakpoints(elements, usage, clock);
  const active = (dimension: Dimension, s: PricingState): Json | undefined => {
    for (const e of elements) {
      const pc = ((e.price_components as Json[] | undefined) ?? []).find((c) => c.type === dimension);
      if (pc && restrictionsMatch(e, s, version)) return pc;
    }
    return undefined;
  };

  let periodIndex = 0;
  let periodStart = start;
  let kwhAtPeriodStart = 0;
  for (let i = 0; i + 1 < points.length; i += 1) {
    const a = points[i];
    const b = points[i + 1];
    const mid = (a + b) / 2;
    while (periodIndex < usage.periods.length - 1 && Date.parse(usage.periods[periodIndex].end) <= a) {
      kwhAtPeriodStart += usage.periods[periodIndex].kwh;
      periodStart = Date.parse(usage.periods[periodIndex].end);
      periodIndex += 1;
    }
    const period = usage.periods[periodIndex];
    const periodMs = Date.parse(period.end) - periodStart;
    const share = (t: number) => (periodMs > 0 ? (period.kwh * (t - periodStart)) / periodMs : 0);
    const local = clock(mid);
    const parking = period.parking === true;
    const state: PricingState = {
      localDate: local.date,
      localTime: local.time,
      dayOfWeek: local.day,
      kwhSoFar: kwhAtPeriodStart + share(mid),
      elapsedSeconds: (mid - start) / 1000,
      powerKw: period.powerKw ?? (periodMs > 0 ? period.kwh / (periodMs / 3_600_000) : 0),
      currentA: period.currentA,
      parking,
    };
    bills.ENERGY.add(active('ENERGY', state), (share(b) - share(a)) * 1000);
    const seconds = (b - a) / 1000;
    if (parking) {
      bills.TIME.close();
      bills.PARKING_TIME.add(active('PARKING_TIME', state), seconds);
    } else {
      bills.PARKING_TIME.close();
      bills.TIME.add(active('TIME', state), seconds);
    }
    const flatComponent = flat ? undefined : active('FLAT', state);
    if (flatComponent) {
      const price = num(flatComponent.price) ?? 0;
      const vat = num(flatComponent.vat);
      flat = { excl: price, incl: vat === undefined ? 0 : price * (1 + vat / 100), allVat: vat !== undefined };
    }
  }
  for (const bill of Object.values(bills)) bill.close();

  const parts = [bills.ENERGY.price(), bills.TIME.price(), bills.PARKING_TIME.price(), flat && toPrice(flat.excl, flat.incl, flat.allVat)].filter((p): p is Price => p !== undefined);
  let excl = parts.reduce((sum, p) => sum + p.excl_vat, 0);
  const allVat = parts.length > 0 && parts.every((p) => p.incl_vat !== undefined);
  let incl = parts.reduce((sum, p) => sum + (p.incl_vat ?? 0), 0);
  if (version === '2.2.1' && tariff) {
    const min = tariff.min_price as Price | undefined;
    const max = tariff.max_price as Price | undefined;
    if (num(min?.excl_vat) !== undefined) excl = Math.max(excl, min!.excl_vat);
    if (num(max?.excl_vat) !== undefined) excl = Math.min(excl, max!.excl_vat);
    if (num(min?.incl_vat) !== undefined) incl = Math.max(incl, min!.incl_vat!);
    if (num(max?.incl_vat) !== undefined) incl = Math.min(incl, max!.incl_vat!);
  }
  return {
    total: toPrice(excl, incl, allVat),
    ...(bills.ENERGY.price() ? { energy: bills.ENERGY.price() } : {}),
    ...(bills.TIME.price() ? { time: bills.TIME.price() } : {}),
    ...(bills.PARKING_TIME.price() ? { parking: bills.PARKING_TIME.price() } : {}),
    ...(flat ? { fixed: toPrice(flat.excl, flat.incl, flat.allVat) } : {}),
  };
}
