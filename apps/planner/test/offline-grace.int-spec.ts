import { Subjects } from '@cpo/contracts';
import { BOOTED_REASON, HELD_REASON } from '../src/planning/offline-grace.js';
import { PlanningRepository } from '../src/planning/planning.repository.js';
import { PlanningService } from '../src/planning/planning.service.js';
import { offlineSuite } from './offline-harness.js';

/**
 * A charger the ocpp service cannot reach keeps obeying the plan it acknowledged: through the real
 * consumer and database, the round sees that plan while the charger is offline, or while every later
 * plan failed `Offline` (a replica crashed with its socket), and counts the charger at it. Then what
 * the charger may hold beyond that plan (found by a review): counted at no less than it.
 */
describe('planner: chargers briefly out of reach are counted at their acknowledged plan', () => {
  // Only the urgent rounds (a disconnect, a failure) run within the test; they send nothing to a charger out of reach.
  const { app, db, clock, plan, consumed, bus, applied, failed, disconnected, counted } = offlineSuite('GO', ['CP-OG1', 'CP-OG2', 'CP-R1', 'CP-R2', 'CP-R3'], {
    PLANNER_UNCONTROLLED_RETRY_S: '600',
  });
  const acknowledgedPlan = async (stationId: string, limit: number) => {
    const acked = await plan(stationId, limit, 'decrease');
    await applied(stationId, acked.planId, 0);
    await applied(stationId, acked.planId, 1);
    return acked;
  };
  const live = async (stationId: string) => (await db().transaction((tx) => app().app.get(PlanningRepository).stations(tx, 'GO'))).get(stationId)!;
  const round = () => app().app.get(PlanningService).planGroup('GO', 'test');
  const plans = async (stationId: string) => ((await db().query(`SELECT count(*)::int AS n FROM station_plans WHERE station_id = $1`, [stationId])) as { n: number }[])[0].n;

  it('an offline charger whose plan was acknowledged is counted at it; a later plan that failed Offline never reached it, one refused may have', async () => {
    const acked = await acknowledgedPlan('CP-OG1', 10);
    const downAt = clock.ms;
    await disconnected('CP-OG1', 'replica shutdown');
    expect(await live('CP-OG1')).toMatchObject({ connected: false, connectionAtMs: downAt, acknowledged: acked.connectors });
    await round();
    expect((await counted('CP-OG1')).reason).toBe(HELD_REASON);
    expect(await plans('CP-OG1')).toBe(1);

    const lost = await plan('CP-OG1', 20, 'decrease');
    await failed('Offline', 'CP-OG1', lost.planId, 0, 'station CP-OG1 is not connected');
    await failed('Offline', 'CP-OG1', lost.planId, 1, 'station CP-OG1 is not connected');
    expect((await live('CP-OG1')).acknowledged).toEqual(acked.connectors);

    const refused = await plan('CP-OG1', 20, 'decrease');
    await failed('Rejected', 'CP-OG1', refused.planId, 0);
    expect((await live('CP-OG1')).acknowledged).toBeUndefined();
    await round();
    expect((await counted('CP-OG1')).reason).toBe('offline');
  });

  it('a connected charger whose plan failed Offline (its replica crashed) is counted at its acknowledged plan, not as refusing profiles', async () => {
    const acked = await acknowledgedPlan('CP-OG2', 12);
    clock.ms += 1_000;
    const lost = await plan('CP-OG2', 16, 'decrease');
    await failed('Offline', 'CP-OG2', lost.planId, 0, 'station CP-OG2 is not connected');
    await failed('Offline', 'CP-OG2', lost.planId, 1, 'station CP-OG2 is not connected');
    expect(await live('CP-OG2')).toMatchObject({ connected: true, lastProfileResult: 'Offline', acknowledged: acked.connectors });
    await round();
    expect((await counted('CP-OG2')).reason).toBe(HELD_REASON);
  });

  // A SetChargingProfile the ocpp service had SENT when the socket closed may have been taken by the
  // charger: the ocpp service publishes it as `Timeout` (mayHaveActed), not `Offline` (never sent).
  // Counting the charger at the older, lower plan it acknowledged would give the others capacity
  // the charger may be drawing; as any failure other than `Offline`, it counts at its full rating.
  it('an increase that failed after it was sent (socket closed before the answer, Timeout) may be held: counted at no less than it', async () => {
    await acknowledgedPlan('CP-R1', 10);
    clock.ms += 1_000;
    const raised = await plan('CP-R1', 24);
    await failed('Timeout', 'CP-R1', raised.planId, 0, 'the station disconnected before answering');
    await failed('Timeout', 'CP-R1', raised.planId, 1, 'the station disconnected before answering');
    await disconnected('CP-R1', 'replica shutdown');
    clock.ms += 1_000;
    await round();
    // Not at its acknowledged 10 A (it may be at 24 A on each phase: 14 A × 3 × 220 V = 9.2 kW unaccounted).
    const r1 = await counted('CP-R1');
    expect(r1.reason).not.toBe(HELD_REASON);
    expect(r1.limit_value).toBeGreaterThanOrEqual(24);
  });

  // The grace must not restart at every Offline failure: a charger the ocpp service has not reached for 10
  // minutes (its replica crashed, the charger never came back, no `disconnected` was published) is
  // retried after PLANNER_UNCONTROLLED_RETRY_S, the re-sent plan fails Offline at once: it stays at its
  // rating, unreachable since the first failure (after the grace it may have rebooted and lost its profiles).
  it('a charger unreachable for longer than the grace stays at its rating when the retry fails Offline again', async () => {
    await acknowledgedPlan('CP-R2', 10);
    clock.ms += 1_000;
    const lost = await plan('CP-R2', 16);
    await failed('Offline', 'CP-R2', lost.planId, 0, 'no replica holds the station');
    await failed('Offline', 'CP-R2', lost.planId, 1, 'no replica holds the station');
    await round();
    expect((await counted('CP-R2')).reason).toBe(HELD_REASON);
    clock.ms += 120_000;
    await round();
    expect((await counted('CP-R2')).reason).toBe('offline');
    // The retry: steerable again, its plan re-sent in full, which fails Offline at once.
    clock.ms += 600_000;
    await round();
    const [retry] = (await db().query(`SELECT plan_id FROM station_plans WHERE station_id = 'CP-R2' ORDER BY seq DESC LIMIT 1`)) as { plan_id: string }[];
    expect(retry!.plan_id).not.toBe(lost.planId);
    clock.ms += 500;
    await failed('Offline', 'CP-R2', retry!.plan_id, 0, 'no replica holds the station');
    await failed('Offline', 'CP-R2', retry!.plan_id, 1, 'no replica holds the station');
    await round();
    expect((await counted('CP-R2')).reason).toBe('offline');
  });

  // A charger that rebooted (some firmware loses its profiles) and reconnects holds no limit until
  // the ocpp service's boot pass has re-sent its profiles and they are answered: within the grace a
  // reconnect looks like a blip, so the planner reads `ocpp.station.booted` and counts the charger at
  // its rating until every profile of its plan is answered after the boot (by the events' times).
  it('a charger that booted again since its plan was applied counts at its rating until its profiles are answered again', async () => {
    const acked = await acknowledgedPlan('CP-R3', 10);
    const ackedAt = clock.ms;
    clock.ms += 1_000;
    await disconnected('CP-R3', 'closed by the charger');
    clock.ms += 40_000;
    await consumed(await bus().publish(Subjects.OcppStationConnected, { stationId: 'CP-R3', replicaId: 'ocpp-1', protocol: 'ocpp1.6', connectedAt: new Date(clock.ms).toISOString() }));
    const boot = async (atMs: number) =>
      consumed(await bus().publish(Subjects.OcppStationBooted, { stationId: 'CP-R3', vendor: 'V', model: 'M', registrationStatus: 'Accepted', intervalS: 300, bootedAt: new Date(atMs).toISOString() }));
    await boot(clock.ms);
    clock.ms += 500;
    await round();
    expect(await counted('CP-R3')).toMatchObject({ status: 'uncontrolled', reason: BOOTED_REASON, limit_value: 32 });

    // The boot pass re-sends the plan: the Max profile alone is not the plan answered again.
    await applied('CP-R3', acked.planId, 0);
    await round();
    expect(await counted('CP-R3')).toMatchObject({ status: 'uncontrolled', reason: BOOTED_REASON, limit_value: 32 });
    clock.ms += 200;
    await applied('CP-R3', acked.planId, 1);
    await round();
    expect((await counted('CP-R3')).status).not.toBe('uncontrolled');

    // A boot from before those answers, delivered after them (a relay's backlog), undoes nothing.
    await boot(ackedAt + 5_000);
    await round();
    expect((await counted('CP-R3')).status).not.toBe('uncontrolled');

    // Booted again and out of reach at once, the boot delivered after the disconnect: held at its
    // plan within the grace until the boot is known, at its rating from then on.
    // Steerable again, it got a plan of its own (nothing to charge): answered as well.
    const [next] = (await db().query(`SELECT plan_id FROM station_plans WHERE station_id = 'CP-R3' ORDER BY seq DESC LIMIT 1`)) as { plan_id: string }[];
    expect(next!.plan_id).not.toBe(acked.planId);
    clock.ms += 200;
    await applied('CP-R3', next!.plan_id, 0);
    await applied('CP-R3', next!.plan_id, 1);
    clock.ms += 1_000;
    const bootedAt = clock.ms;
    clock.ms += 1_000;
    await disconnected('CP-R3', 'closed by the charger');
    clock.ms += 500;
    await round();
    expect((await counted('CP-R3')).reason).toBe(HELD_REASON);
    await boot(bootedAt);
    await round();
    expect(await counted('CP-R3')).toMatchObject({ status: 'uncontrolled', reason: 'offline', limit_value: 32 });
  });
});
