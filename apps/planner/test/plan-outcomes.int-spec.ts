import { HELD_REASON } from '../src/planning/offline-grace.js';
import { PlanningViewsRepository } from '../src/planning/planning-views.repository.js';
import { PlanningRepository } from '../src/planning/planning.repository.js';
import { PlanningService } from '../src/planning/planning.service.js';
import { offlineSuite } from './offline-harness.js';

/**
 * The ocpp service may answer a connector of a plan again after a failure: `applied` when the charger
 * accepted the profile after the service's timeout, or when a reconnect re-sent the plan after an
 * `Offline` failure. The charger holds the plan then: through the real consumer and database, each
 * connector counts by its latest answer (by the events' times), so such a plan is acknowledged (held
 * while the charger is out of reach) and not re-sent in full; a failure newer than the applied still
 * fails it, one older delivered late does not.
 */
describe('planner: a connector answered applied after a failure of the same plan counts as applied', () => {
  const { app, db, clock, plan, applied, failed, disconnected, counted } = offlineSuite('GL', ['CP-LA1', 'CP-LA2', 'CP-LA3', 'CP-LA4'], { PLANNER_UNCONTROLLED_RETRY_S: '600' });
  const repo = () => app().app.get(PlanningRepository);
  const live = async (stationId: string) => (await db().transaction((tx) => repo().stations(tx, 'GL'))).get(stationId)!;
  const latest = async (stationId: string) => (await db().transaction((tx) => repo().publishedPlans(tx, 'GL'))).get(stationId)!;
  const round = () => app().app.get(PlanningService).planGroup('GL', 'test');

  // Every answer that could start an urgent round (a failure) comes while the charger cannot be
  // steered (it refused, or is disconnected), so no round sends it a newer plan beside the test's.
  it('a Timeout then the applied of the same connector: acknowledged, held while offline, not re-sent in full', async () => {
    const older = await plan('CP-LA1', 10, 'decrease');
    await applied('CP-LA1', older.planId, 0);
    await applied('CP-LA1', older.planId, 1);
    clock.ms += 1_000;
    const late = await plan('CP-LA1', 12, 'decrease');
    await applied('CP-LA1', late.planId, 0);
    await failed('Timeout', 'CP-LA1', late.planId, 1, 'no answer within 30 s');
    clock.ms += 2_000;
    const acceptedAt = clock.ms;
    clock.ms += 500;
    await disconnected('CP-LA1', 'replica shutdown');
    // The charger's answer, after the timeout, delivered after the disconnection.
    await applied('CP-LA1', late.planId, 1, acceptedAt);
    expect(await live('CP-LA1')).toMatchObject({ acknowledged: late.connectors, profileFailures: 0 });
    expect(await latest('CP-LA1')).toMatchObject({ planId: late.planId, failed: false, unanswered: false });
    // The plan history: applied events, connectors whose latest answer failed.
    const [row] = await app().app.get(PlanningViewsRepository).plans('GL', 1, 'CP-LA1');
    expect(row).toMatchObject({ planId: late.planId, applied: 2, failed: 0, answeredConnectors: [0, 1] });

    clock.ms += 500;
    await round();
    expect(await counted('CP-LA1')).toMatchObject({ reason: HELD_REASON, limit_value: 12 });
  });

  it('an applied then an older failure delivered late: still acknowledged, and not counted as a refusal', async () => {
    const p = await plan('CP-LA2', 10, 'decrease');
    const sentAt = clock.ms;
    clock.ms += 2_000;
    await applied('CP-LA2', p.planId, 0);
    await applied('CP-LA2', p.planId, 1);
    clock.ms += 500;
    await disconnected('CP-LA2', 'replica shutdown');
    await failed('Timeout', 'CP-LA2', p.planId, 1, 'no answer within 30 s', sentAt + 1_000);
    expect(await live('CP-LA2')).toMatchObject({ acknowledged: p.connectors, profileFailures: 0, lastProfileResult: 'Accepted' });
    expect((await latest('CP-LA2')).failed).toBe(false);
    clock.ms += 500;
    await round();
    expect(await counted('CP-LA2')).toMatchObject({ reason: HELD_REASON, limit_value: 10 });
  });

  it('a failure newer than the applied fails the plan', async () => {
    const p = await plan('CP-LA3', 10, 'decrease');
    await applied('CP-LA3', p.planId, 0);
    await applied('CP-LA3', p.planId, 1);
    clock.ms += 2_000;
    await failed('Rejected', 'CP-LA3', p.planId, 1, 'check: limit not in effect');
    expect((await live('CP-LA3')).acknowledged).toBeUndefined();
    expect((await latest('CP-LA3')).failed).toBe(true);
  });

  it("Offline then the reconnect's applied: acknowledged; a later re-send failing Offline leaves it held at that plan", async () => {
    const p = await plan('CP-LA4', 14, 'decrease');
    await disconnected('CP-LA4', 'closed by the charger');
    await failed('Offline', 'CP-LA4', p.planId, 0, 'station CP-LA4 is not connected');
    await failed('Offline', 'CP-LA4', p.planId, 1, 'station CP-LA4 is not connected');
    clock.ms += 5_000;
    // The re-send after it reconnected (its `connected` still on its way).
    await applied('CP-LA4', p.planId, 0);
    await applied('CP-LA4', p.planId, 1);
    expect((await live('CP-LA4')).acknowledged).toEqual(p.connectors);
    expect((await latest('CP-LA4')).failed).toBe(false);

    // The charger never saw that send: it still holds the plan it accepted.
    clock.ms += 1_000;
    await failed('Offline', 'CP-LA4', p.planId, 0, 'station CP-LA4 is not connected');
    expect((await live('CP-LA4')).acknowledged).toEqual(p.connectors);
    clock.ms += 500;
    await round();
    expect(await counted('CP-LA4')).toMatchObject({ reason: HELD_REASON, limit_value: 14 });
  });
});
