import fc from 'fast-check';
import { dayAhead, single } from '../timeline/test/forecasts.js';
import type { ConnectorLimit } from '@cpo/contracts';
import type { PreviousTarget, StationLive } from './round-types.js';
import { planRound } from './round.js';
import { limitAt } from './schedules.js';
import { NOW, OPTIONS, V, group, input, online, session, station, timeline } from './test/round-fixtures.js';

const stationArb = fc.record({
  connectors: fc.integer({ min: 1, max: 3 }),
  maxCurrentA: fc.constantFrom(16, 32, 63),
  phases: fc.constantFrom<1 | 3>(1, 3),
  sessions: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  previousA: fc.option(fc.integer({ min: 0, max: 63 })),
});

const scenarioArb = fc.record({
  contractKw: fc.integer({ min: 5, max: 200 }),
  margin: fc.constantFrom(0, 0.05),
  stations: fc.array(stationArb, { minLength: 1, maxLength: 8 }),
  today: fc.array(fc.option(fc.integer({ min: 0, max: 200 }), { nil: null }), { minLength: 24, maxLength: 24 }),
  tomorrow: fc.array(fc.option(fc.integer({ min: 0, max: 200 }), { nil: null }), { minLength: 24, maxLength: 24 }),
  emergency: fc.option(fc.record({ startMin: fc.integer({ min: 1, max: 600 }), lengthMin: fc.integer({ min: 15, max: 240 }), kw: fc.integer({ min: 0, max: 100 }) })),
});

describe('planRound properties', () => {
  it('every published Max profile sum stays within (1 − m)·L(t), and each station\'s connectors within its Max profile, at every period start', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const stations = sc.stations.map((s, i) => ({ ...station(`S${i}`, s.connectors, s.maxCurrentA), phases: s.phases, connectors: station(`S${i}`, s.connectors, s.maxCurrentA).connectors.map((c) => ({ ...c, phases: s.phases })) }));
        const g = group(sc.contractKw, stations, sc.margin);
        const forecasts = [
          dayAhead('2026-12-04', sc.today, { requestId: 'today', receivedAt: '2026-12-03T02:00:00Z' }),
          dayAhead('2026-12-05', sc.tomorrow, { requestId: 'tomorrow', receivedAt: '2026-12-04T02:00:00Z' }),
        ];
        if (sc.emergency) {
          const start = NOW + sc.emergency.startMin * 60_000;
          forecasts.push(single('emergency', new Date(start).toISOString(), new Date(start + sc.emergency.lengthMin * 60_000).toISOString(), sc.emergency.kw, 'em'));
        }
        const tl = timeline(g, forecasts.filter((f) => f.blocks.length > 0));
        const connectors = new Map(sc.stations.flatMap((s, i) => s.sessions.slice(0, s.connectors).flatMap((on, c) => (on ? [session(`S${i}`, c + 1)] : []))));
        const previous = new Map<string, PreviousTarget>();
        sc.stations.forEach((s, i) => {
          if (s.previousA !== null) previous.set(`S${i}/1`, { status: 'charging', unit: 'A', limit: s.previousA, plannedAtMs: NOW - 10_000, hysteresis: { mode: 'charging', sinceMs: NOW - 3_600_000 } });
        });
        const result = planRound(input(g, { timeline: tl, connectors, previous }));
        const instants = new Set<number>();
        for (const p of result.publications) for (const c of p.connectors) for (const period of c.schedule.periods) instants.add(Date.parse(c.schedule.startSchedule) + period.startPeriodS * 1000);
        for (const t of instants) {
          const allowedW = (1 - sc.margin) * tl.at(t)!.powerW;
          let sumW = 0;
          for (const p of result.publications) {
            const s = stations.find((x) => x.stationId === p.stationId)!;
            const max = limitAt(p.connectors.find((c) => c.connectorId === 0)!, t);
            sumW += max * V * s.phases;
            const perConnector = p.connectors.filter((c) => c.connectorId > 0).map((c) => limitAt(c, t));
            for (const v of perConnector) expect(v).toBeLessThanOrEqual(max + 1e-9);
            expect(perConnector.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(max + 1e-6);
          }
          expect(sumW).toBeLessThanOrEqual(allowedW + 1e-6);
        }
      }),
      { numRuns: 300 },
    );
  });

  // Offline chargers: held at the plan they acknowledged (two periods) for the grace period, then at their rating.
  const offlineArb = fc.record({
    maxCurrentA: fc.constantFrom(16, 32),
    phases: fc.constantFrom<1 | 3>(1, 3),
    acknowledged: fc.option(fc.record({ firstA: fc.integer({ min: 0, max: 32 }), thenA: fc.integer({ min: 0, max: 32 }), stepS: fc.integer({ min: 1, max: 600 }) })),
    offlineForS: fc.integer({ min: 0, max: 200 }),
  });

  it('with offline chargers counted at their acknowledged plans during the grace and at their rating after, what every station may draw stays within (1 − m)·L(t)', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(offlineArb, { minLength: 1, maxLength: 4 }), (sc, offline) => {
        const onlineStations = sc.stations.map((s, i) => ({ ...station(`S${i}`, s.connectors, s.maxCurrentA), phases: s.phases, connectors: station(`S${i}`, s.connectors, s.maxCurrentA).connectors.map((c) => ({ ...c, phases: s.phases })) }));
        const offlineStations = offline.map((o, i) => ({ ...station(`O${i}`, 1, o.maxCurrentA), phases: o.phases, connectors: station(`O${i}`, 1, o.maxCurrentA).connectors.map((c) => ({ ...c, phases: o.phases })) }));
        const g = group(sc.contractKw, [...onlineStations, ...offlineStations], sc.margin);
        const forecasts = [dayAhead('2026-12-04', sc.today, { requestId: 'today', receivedAt: '2026-12-03T02:00:00Z' })];
        if (sc.emergency) {
          const start = NOW + sc.emergency.startMin * 60_000;
          forecasts.push(single('emergency', new Date(start).toISOString(), new Date(start + sc.emergency.lengthMin * 60_000).toISOString(), sc.emergency.kw, 'em'));
        }
        const tl = timeline(g, forecasts.filter((f) => f.blocks.length > 0));
        const plans = new Map<string, ConnectorLimit[]>();
        const stations = new Map<string, StationLive>(onlineStations.map((s) => [s.stationId, online(s.stationId)]));
        offline.forEach((o, i) => {
          const id = `O${i}`;
          const ack = o.acknowledged;
          const plan: ConnectorLimit[] | undefined =
            ack === null
              ? undefined
              : [0, 1].map((connectorId) => ({
                  connectorId,
                  schedule: { startSchedule: new Date(NOW - 30_000).toISOString(), chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: ack.firstA, numberPhases: o.phases }, { startPeriodS: ack.stepS, limit: ack.thenA, numberPhases: o.phases }] },
                }));
          if (plan) plans.set(id, plan);
          stations.set(id, { ...online(id), connected: false, connectionAtMs: NOW - o.offlineForS * 1000, acknowledged: plan });
        });
        const connectors = new Map([
          ...sc.stations.flatMap((s, i) => s.sessions.slice(0, s.connectors).flatMap((on, c) => (on ? [session(`S${i}`, c + 1)] : []))),
          ...offline.map((_, i) => session(`O${i}`)),
        ]);
        const result = planRound(input(g, { timeline: tl, connectors, stations }));
        expect(result.publications.every((p) => p.stationId.startsWith('S'))).toBe(true);
        // What an offline charger may draw at t: its acknowledged Max profile until its grace ends, then its rating.
        const offlineW = (t: number) =>
          offline.reduce((sum, o, i) => {
            const plan = plans.get(`O${i}`);
            const graceEnd = NOW - o.offlineForS * 1000 + OPTIONS.offlineGraceMs;
            const a = plan !== undefined && t < graceEnd ? limitAt(plan[0], t) : o.maxCurrentA;
            return sum + a * V * o.phases;
          }, 0);
        const instants = new Set<number>([NOW]);
        for (const p of result.publications) for (const c of p.connectors) for (const period of c.schedule.periods) instants.add(Date.parse(c.schedule.startSchedule) + period.startPeriodS * 1000);
        offline.forEach((o) => instants.add(NOW - o.offlineForS * 1000 + OPTIONS.offlineGraceMs));
        for (const segment of tl.segments) instants.add(segment.startMs);
        for (const plan of plans.values()) for (const period of plan[0].schedule.periods) instants.add(Date.parse(plan[0].schedule.startSchedule) + period.startPeriodS * 1000);
        for (const t of [...instants].filter((x) => x >= NOW && x < tl.toMs)) {
          const allowedW = (1 - sc.margin) * tl.at(t)!.powerW;
          const onlineW = result.publications.reduce((sum, p) => {
            const s = onlineStations.find((x) => x.stationId === p.stationId)!;
            return sum + limitAt(p.connectors.find((c) => c.connectorId === 0)!, t) * V * s.phases;
          }, 0);
          // Where the offline chargers alone may exceed the limit, the others get nothing.
          expect(onlineW).toBeLessThanOrEqual(Math.max(0, allowedW - offlineW(t)) + 1e-6);
        }
      }),
      { numRuns: 300 },
    );
  });
});
