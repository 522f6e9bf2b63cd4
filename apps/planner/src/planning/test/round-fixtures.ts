/** Builders for planning-round tests: a group, its live state and a timeline from forecasts. */
import type { CapacityForecastReceived } from '@cpo/contracts';
import { applyForecast, buildTimeline, emptyCapacityState, type LimitTimeline } from '../../timeline/index.js';
import type { GroupModel, StationModel } from '../../topology/group-model.js';
import { DEFAULT_EV_DEMAND } from '../ev-demand.js';
import type { ConnectorLive, PreviousTarget, PublishedPlan, RoundInput, RoundOptions, RoundResult, StationLive } from '../round-types.js';

export const V = 220;
/** 2026-12-04 12:00 Asia/Taipei. */
export const NOW = Date.parse('2026-12-04T04:00:00Z');
export const HORIZON = Date.parse('2026-12-05T16:00:00Z');

export const OPTIONS: RoundOptions = {
  ackTimeoutMs: 90_000,
  uncontrolledRetryMs: 600_000,
  offlineGraceMs: 90_000,
  rampPerSecond: 0.03,
  hysteresis: { deltaA: 1, resumeAfterMs: 60_000, minChargingMs: 120_000, minPausedMs: 120_000 },
  deadbandA: 0.5,
  deadbandFraction: 0.03,
  evDemand: DEFAULT_EV_DEMAND,
};

export function station(stationId: string, connectors = 1, maxCurrentA = 32, extra: Partial<StationModel> = {}): StationModel {
  return {
    stationId,
    maxCurrentA,
    phases: 3,
    priority: 0,
    connectors: Array.from({ length: connectors }, (_, i) => ({ connectorId: i + 1, maxCurrentA, phases: 3 as const, minCurrentA: 6, priority: 0 })),
    ...extra,
  };
}

export function group(contractKw: number, stations: StationModel[], safetyMargin = 0): GroupModel {
  return { groupId: 'G1', contractW: contractKw * 1000, nominalVoltageV: V, phases: 3, safetyMargin, stations };
}

export function timeline(g: GroupModel, forecasts: CapacityForecastReceived[] = [], fromMs = NOW): LimitTimeline {
  const state = forecasts.reduce(applyForecast, emptyCapacityState());
  return buildTimeline({ contractW: g.contractW, fallbackApplies: false }, state, { fromMs, toMs: HORIZON });
}

export const online = (id: string): StationLive => ({ stationId: id, connected: true, profileFailures: 0, lastPlanUnanswered: false });

export function session(stationId: string, connectorId = 1, startedMs = NOW - 3_600_000): [string, ConnectorLive] {
  return [`${stationId}/${connectorId}`, { stationId, connectorId, status: 'Charging', transactionId: 1, sessionStartedMs: startedMs }];
}

/** A connector charging at `limit` A since `sinceMs`, planned 10 s ago. */
export function charging(stationId: string, limit: number, connectorId = 1, sinceMs = NOW - 3_600_000): [string, PreviousTarget] {
  return [`${stationId}/${connectorId}`, { status: 'charging', unit: 'A', limit, plannedAtMs: NOW - 10_000, hysteresis: { mode: 'charging', sinceMs } }];
}

export function input(g: GroupModel, over: Partial<RoundInput> = {}): RoundInput {
  return {
    nowMs: NOW,
    group: g,
    timeline: timeline(g),
    horizonMs: HORIZON,
    stations: new Map(g.stations.map((s) => [s.stationId, online(s.stationId)])),
    connectors: new Map(),
    previous: new Map(),
    published: new Map<string, PublishedPlan>(),
    decreasesPending: false,
    pvCreditW: 0,
    options: OPTIONS,
    ...over,
  };
}

/** The state the next round sees after `result` was stored and published at `atMs`. */
export function after(result: RoundResult, before: RoundInput, atMs = before.nowMs): Pick<RoundInput, 'previous' | 'published'> {
  const previous = new Map<string, PreviousTarget>();
  for (const t of result.targets) {
    previous.set(`${t.stationId}/${t.connectorId}`, { status: t.status, unit: t.unit, limit: t.limit, plannedAtMs: atMs, hysteresis: t.hysteresis });
  }
  const published = new Map<string, PublishedPlan>(before.published);
  for (const p of result.publications) published.set(p.stationId, { planId: p.stationId, createdAtMs: atMs, connectors: p.connectors, failed: false, unanswered: false });
  return { previous, published };
}
