import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Streams } from '@cpo/contracts';
import { BusNames, ensureStreams, JETSTREAM_MANAGER } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import type { JetStreamManager } from '@nats-io/jetstream';
import { type OcppHarness, send, startOcpp, uniqueStation } from './harness.js';
import { constantPlan, onlineProfileCharger, publishPlanAt } from './smart-charging-harness.js';

/**
 * NATS restarted without its JetStream storage (memory storage, a new volume, a re-provisioned
 * cluster), simulated on this run's own prefixed streams: a deleted stream loses its messages and
 * its durable consumers, as the server's restart would. ARCHITECTURE.md: "A restart of any
 * service, NATS or PostgreSQL loses nothing that was acknowledged, and a charger that reconnects
 * gets the limits it should have." The ocpp service must heal without being restarted.
 * (The generic cases are in libs/messaging/test/stream-loss.int-spec.ts.)
 */
describe('ocpp when NATS comes back without its streams', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PROFILE_LEASE_S: '0', OCPP_PROFILE_RETRY_MS: '3600000', OUTBOX_POLL_INTERVAL_MS: '200' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h?.close();
  });
  const jsm = () => h.app.app.get<JetStreamManager>(JETSTREAM_MANAGER);
  const names = () => h.app.app.get(BusNames);
  const ready = async () => (await fetch(`${h.app.baseUrl}/health/ready`)).status;

  it('is not ready while the PLANNER stream is gone, then re-creates its consumer and applies a plan published after the planner re-created the stream', async () => {
    const c = await onlineProfileCharger(h, chargers, { NumberOfConnectors: '1', ChargeProfileMaxStackLevel: '0' }, { prefix: 'XNS', composite: false });
    const id = c.cp.identity;
    await publishPlanAt(h, constantPlan(id, [[1, 16]]), new Date());
    expect(await eventually(() => c.sets.some((s) => s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit === 16))).toBe(true);
    expect(await ready()).toBe(200);

    // NATS restarted empty; ocpp's durable `ocpp-station-limits` is gone with the stream.
    await jsm().streams.delete(names().stream(Streams.PLANNER.name));
    expect(await eventually(async () => (await ready()) === 503, 10_000)).toBe(true);

    // The planner, booting again, re-creates its stream (ensureStreams) and publishes a new plan.
    await ensureStreams(jsm(), names(), 1, [Streams.PLANNER]);
    await publishPlanAt(h, constantPlan(id, [[1, 10]]), new Date());
    expect(await eventually(() => c.sets.some((s) => s.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]?.limit === 10), 15_000)).toBe(true);
    expect(await ready()).toBe(200);
  }, 40_000);

  it('publishes the events of acknowledged charger messages after the OCPP stream was lost', async () => {
    const cp = new ChargePoint16({ identity: uniqueStation('XNS'), url: h.wsUrl, reconnect: false });
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();

    await jsm().streams.delete(names().stream(Streams.OCPP.name));
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'X' });

    const unpublished = async () => {
      const [row] = (await h.db.query(
        `SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL) + (SELECT count(*) FROM outbox_batch WHERE published_at IS NULL) AS n`,
      )) as { n: string }[];
      return Number(row?.n);
    };
    expect(await eventually(async () => (await unpublished()) === 0, 20_000, 250)).toBe(true);
    expect((await jsm().streams.info(names().stream(Streams.OCPP.name))).state.messages).toBeGreaterThan(0);
    expect(await ready()).toBe(200);
  }, 40_000);
});
