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

const taipeiClock = (ms: number): string => new Date(ms + TAIPEI_OFFSET_MS).toISOString().slice(11, 16);

/** The human-readable cause (OSCP `message`, which ELMO requires to be non-empty). */
export function describeIncident(blocks: readonly InfeasibleBlock[], uncontrolled: ReadonlyMap<string, string>): string {
  const worst = blocks.reduce((a, b) => (b.minimumW - b.limitW > a.minimumW - a.limitW ? b : a));
  const stations = [...uncontrolled].slice(0, 5).map(([id, why]) => `${id} ${why}`);
  const more = uncontrolled.size > 5 ? ` and ${uncontrolled.size - 5} more` : '';
  const span = blocks.map((b) => `${taipeiClock(b.startMs)}–${taipeiClock(b.endMs)}`).join(', ');
  return (
    `${uncontrolled.size} charger${uncontrolled.size === 1 ? '' : 's'} cannot be controlled (${stations.join('; ')}${more}); ` +
    `minimum achievable ${kw(worst.minimumW)} kW vs limit ${kw(worst.limitW)} kW, ${span} Asia/Taipei`
  );
}
