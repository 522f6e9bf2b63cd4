/**
 * The group's lifetime import register for `update_group_measurements` (guide §7.7), built from
 * positive deltas of the chargers' `Energy.Active.Import.Register` so it never decreases across
 * meter resets, charger swaps or added chargers. Pure: the service persists {@link GroupRegister}.
 */
import { MINUTE_MS } from './taipei.js';

export interface GroupRegister {
  /** Accumulated import of the group in Wh. */
  totalWh: number;
  /** Last register seen per meter key (`station#connector`), in Wh. */
  meters: Record<string, number>;
  /** Stations whose main meter (connector 0) reports; their connector meters are then ignored. */
  mainMeterStations: string[];
  /** Connector of each running transaction (`station#transactionId`), for StopTransaction's reading. */
  transactions?: Record<string, number>;
}

export const emptyRegister = (): GroupRegister => ({ totalWh: 0, meters: {}, mainMeterStations: [] });

/** Converts an OCPP energy value to Wh (`Wh` or `kWh`); `undefined` for units that are not energy. */
export function energyWh(value: number, unit: string): number | undefined {
  if (unit === 'Wh') return value;
  if (unit === 'kWh') return value * 1000;
  return undefined;
}

/**
 * Applies one register reading. The first reading of a meter only sets its baseline (what it
 * counted before we knew it was never ours to report); a reading below the last one means a reset
 * or swap and re-baselines without subtracting.
 */
export function applyReading(register: GroupRegister, stationId: string, connectorId: number, wh: number): GroupRegister {
  if (!Number.isFinite(wh) || wh < 0) return register;
  const mainMeters = register.mainMeterStations.includes(stationId) ? register.mainMeterStations : connectorId === 0 ? [...register.mainMeterStations, stationId] : register.mainMeterStations;
  if (connectorId !== 0 && mainMeters.includes(stationId)) return register;
  const key = `${stationId}#${connectorId}`;
  const previous = register.meters[key];
  const delta = previous !== undefined && wh > previous ? wh - previous : 0;
  const meters = { ...register.meters, [key]: wh };
  if (connectorId === 0 && !register.mainMeterStations.includes(stationId)) {
    // Once the main meter reports, it alone counts for the station: drop its connector baselines.
    for (const k of Object.keys(meters)) if (k.startsWith(`${stationId}#`) && k !== key) delete meters[k];
  }
  return { ...register, totalWh: register.totalWh + delta, meters, mainMeterStations: mainMeters };
}

/** StartTransaction: the start register is a reading of the connector's meter. */
export function transactionStarted(register: GroupRegister, stationId: string, connectorId: number, transactionId: number, meterStartWh: number): GroupRegister {
  const next = applyReading(register, stationId, connectorId, meterStartWh);
  return { ...next, transactions: { ...(next.transactions ?? {}), [`${stationId}#${transactionId}`]: connectorId } };
}

/** StopTransaction: the stop register is a reading of the connector the transaction ran on. */
export function transactionStopped(register: GroupRegister, stationId: string, transactionId: number, meterStopWh: number): GroupRegister {
  const key = `${stationId}#${transactionId}`;
  const connectorId = register.transactions?.[key];
  if (connectorId === undefined) return register;
  const next = applyReading(register, stationId, connectorId, meterStopWh);
  const transactions = { ...(next.transactions ?? {}) };
  delete transactions[key];
  return { ...next, transactions };
}

/** One per-minute data point of the group register. */
export interface MinutePoint {
  /** Start of the minute the point stands for (epoch ms). */
  minuteMs: number;
  valueKwh: number;
}

/**
 * Points for every minute after `lastSentMinuteMs` up to `nowMinuteMs`. Without a history per
 * minute, missed minutes carry the current value (the register is cumulative, so the energy is
 * reported, only its distribution over the gap is unknown). Values never go below `floorKwh`.
 */
export function minutesToSend(lastSentMinuteMs: number | undefined, nowMinuteMs: number, valueKwh: number, floorKwh = 0): MinutePoint[] {
  const value = Math.max(valueKwh, floorKwh);
  const first = lastSentMinuteMs === undefined ? nowMinuteMs : lastSentMinuteMs + MINUTE_MS;
  const points: MinutePoint[] = [];
  for (let m = first; m <= nowMinuteMs; m += MINUTE_MS) points.push({ minuteMs: m, valueKwh: value });
  return points;
}

/**
 * Bounds a catch-up: keeps at most `max` points, evenly spread, always including the newest.
 * The register is cumulative, so dropping intermediate points loses no energy, only resolution.
 */
export function summarisePoints<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  if (max <= 1) return points.slice(-1);
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

/** Makes a point series non-decreasing (a register that went back would be rejected by ELMO's books). */
export function monotonic(points: MinutePoint[], floorKwh = 0): MinutePoint[] {
  let floor = floorKwh;
  return points.map((p) => {
    floor = Math.max(floor, p.valueKwh);
    return { ...p, valueKwh: floor };
  });
}
