import { TAIPEI_OFFSET_MS } from '../timeline/index.js';
import type { InfeasibleBlock } from './round-types.js';

const kw = (w: number): number => Math.round(w / 100) / 10;
const minute = (ms: number): number => Math.floor(ms / 60_000);

/**
 * The identity of an infeasibility incident: the intervals to the minute, the limits and minimum
 * loads to 0.1 kW and the forecasts behind them. A new key means a material change worth telling
 * the capacity provider again; the same key is the same incident.
 */
export function incidentKey(blocks: readonly InfeasibleBlock[]): string {
  return blocks.map((b) => `${minute(b.startMs)}-${minute(b.endMs)}:${kw(b.limitW)}/${kw(b.minimumW)}@${b.source.requestId ?? b.source.kind}`).join(',');
}

/** `MM-DD HH:MM` in Asia/Taipei; the end repeats the date only when it differs from the start's. */
const taipeiStamp = (ms: number): string => new Date(ms + TAIPEI_OFFSET_MS).toISOString().slice(5, 16).replace('T', ' ');
const span = (startMs: number, endMs: number): string => {
  const [start, end] = [taipeiStamp(startMs), taipeiStamp(endMs)];
  return `${start}–${end.slice(0, 5) === start.slice(0, 5) ? end.slice(6) : end}`;
};

/** The human-readable cause (OSCP `message`, which ELMO requires to be non-empty). */
export function describeIncident(blocks: readonly InfeasibleBlock[], uncontrolled: ReadonlyMap<string, string>): string {
  const worst = blocks.reduce((a, b) => (b.minimumW - b.limitW > a.minimumW - a.limitW ? b : a));
  const stations = [...uncontrolled].slice(0, 5).map(([id, why]) => `${id} ${why}`);
  const more = uncontrolled.size > 5 ? ` and ${uncontrolled.size - 5} more` : '';
  const spans = blocks.map((b) => span(b.startMs, b.endMs)).join(', ');
  return (
    `${uncontrolled.size} charger${uncontrolled.size === 1 ? '' : 's'} cannot be controlled (${stations.join('; ')}${more}); ` +
    `minimum achievable ${kw(worst.minimumW)} kW vs limit ${kw(worst.limitW)} kW, ${spans} Asia/Taipei`
  );
}

/** A group's infeasibility as stored between rounds. */
export interface IncidentProgress {
  readonly key?: string;
  readonly sinceMs?: number;
  readonly reported?: string;
}

/**
 * Whether to report now. The group must have been infeasible without a break for `confirmMs`
 * (a start-up before the chargers have reconnected, or one lost status, is not an incident), and
 * an incident is reported once, again only when it changes. Feasible again ends the incident.
 */
export function nextIncident(previous: IncidentProgress | undefined, key: string | undefined, nowMs: number, confirmMs: number): { state: IncidentProgress; report: boolean } {
  if (key === undefined) return { state: {}, report: false };
  const sinceMs = previous?.key !== undefined ? (previous.sinceMs ?? nowMs) : nowMs;
  const report = nowMs - sinceMs >= confirmMs && previous?.reported !== key;
  return { state: { key, sinceMs, reported: report ? key : previous?.reported }, report };
}
