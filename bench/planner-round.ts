/**
 * Benchmark: one planning round (`planRound`) of a single large group, pure CPU, no services. Half
 * of the sessions charge and half wait (paused by hysteresis), and the group's capacity gives the
 * charging ones about 6.8 A each: no waiting session fits at its resume threshold (6 A + 1 A), the
 * steady state of a long shortage and the worst case of the resume trial, which has to establish
 * that for every waiting session in every round.
 *
 * Two station kinds: `single` (one 32 A connector per station) and `shared` (two 32 A connectors
 * behind one 32 A station rating, so a waiting connector shares its charger with a charging one).
 *
 * BENCH_SIZES (default 100,300,1000) sessions per group; BENCH_SECONDS (default 2) of timed rounds
 * per size and kind after one untimed round, at least 3 rounds; BENCH_KINDS (default single,shared).
 */
import { performance } from 'node:perf_hooks';
import { buildTimeline, emptyCapacityState } from '../apps/planner/src/timeline/index.js';
import { DEFAULT_EV_DEMAND } from '../apps/planner/src/planning/ev-demand.js';
import { planRound } from '../apps/planner/src/planning/round.js';
import type { ConnectorLive, PreviousTarget, RoundInput, StationLive } from '../apps/planner/src/planning/round-types.js';
import type { GroupModel, StationModel } from '../apps/planner/src/topology/group-model.js';

const SIZES = (process.env.BENCH_SIZES ?? '100,300,1000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const KINDS = (process.env.BENCH_KINDS ?? 'single,shared').split(',') as Kind[];
const V = 230;
const NOW = Date.parse('2026-12-04T04:00:00Z');
type Kind = 'single' | 'shared';

function roundInput(sessions: number, kind: Kind): RoundInput {
  const perStation = kind === 'shared' ? 2 : 1;
  const stations: StationModel[] = Array.from({ length: Math.ceil(sessions / perStation) }, (_, s) => ({
    stationId: `CP${String(s).padStart(4, '0')}`,
    maxCurrentA: 32,
    phases: 3,
    priority: 0,
    connectors: Array.from({ length: perStation }, (_, c) => ({ connectorId: c + 1, maxCurrentA: 32, phases: 3 as const, minCurrentA: 6, priority: 0 })),
  }));
  const ids = stations.flatMap((s) => s.connectors.map((c) => ({ stationId: s.stationId, connectorId: c.connectorId }))).slice(0, sessions);
  // Waiting sessions alternate with charging ones, so in `shared` every waiting one has a charging neighbour.
  const isWaiting = (i: number): boolean => i % 2 === 1;
  const chargingCount = ids.filter((_, i) => !isWaiting(i)).length;
  const contractW = Math.round(chargingCount * 6.8 * 3 * V);
  const group: GroupModel = { groupId: 'G1', contractW, nominalVoltageV: V, phases: 3, safetyMargin: 0, stations };
  const connectors = new Map<string, ConnectorLive>();
  const previous = new Map<string, PreviousTarget>();
  ids.forEach(({ stationId, connectorId }, i) => {
    const id = `${stationId}/${connectorId}`;
    const startedMs = NOW - 3_600_000 + i * 1000;
    connectors.set(id, { stationId, connectorId, status: 'Charging', transactionId: i + 1, sessionStartedMs: startedMs });
    previous.set(
      id,
      isWaiting(i)
        ? { status: 'paused', unit: 'A', limit: 0, plannedAtMs: NOW - 10_000, hysteresis: { mode: 'paused', sinceMs: NOW - 600_000 } }
        : { status: 'charging', unit: 'A', limit: 6.8, plannedAtMs: NOW - 10_000, hysteresis: { mode: 'charging', sinceMs: NOW - 600_000 } },
    );
  });
  const live = new Map<string, StationLive>(stations.map((s) => [s.stationId, { stationId: s.stationId, connected: true, profileFailures: 0, lastPlanUnanswered: false }]));
  const horizonMs = NOW + 36 * 3_600_000;
  return {
    nowMs: NOW,
    group,
    timeline: buildTimeline({ contractW, fallbackApplies: false }, emptyCapacityState(), { fromMs: NOW, toMs: horizonMs }),
    horizonMs,
    stations: live,
    connectors,
    previous,
    published: new Map(),
    decreasesPending: false,
    pvCreditW: 0,
    options: {
      ackTimeoutMs: 90_000,
      uncontrolledRetryMs: 600_000,
      offlineGraceMs: 90_000,
      rampPerSecond: 0.03,
      hysteresis: { deltaA: 1, resumeAfterMs: 60_000, minChargingMs: 120_000, minPausedMs: 120_000 },
      deadbandA: 0.5,
      deadbandFraction: 0.03,
      evDemand: DEFAULT_EV_DEMAND,
    },
  };
}

function main(): void {
  console.log(`planning round of one group, half the sessions waiting, none fitting (node ${process.version})`);
  for (const kind of KINDS) {
    for (const size of SIZES) {
      const input = roundInput(size, kind);
      const first = planRound(input);
      const paused = first.targets.filter((t) => t.status === 'paused').length;
      const times: number[] = [];
      const deadline = performance.now() + SECONDS * 1000;
      while (times.length < 3 || performance.now() < deadline) {
        const t0 = performance.now();
        planRound(input);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)];
      console.log(`  ${kind.padEnd(6)} ${String(size).padStart(5)} sessions (${paused} paused): ${median.toFixed(2)} ms per round (median of ${times.length}, min ${times[0].toFixed(2)} ms)`);
    }
  }
}

main();
