/**
 * The OCPP central system driven by the real charge-point simulator (apps/cp-simulator): boot,
 * statuses, a session with meter values, then planner limits that the simulated chargers obey.
 * Lives in the root test folder because it joins two apps.
 */
import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually } from '@cpo/testing';
import { SimulatedStation } from '../apps/cp-simulator/src/station/simulated-station.js';
import { defaultStation } from '../apps/cp-simulator/src/station/station-config.js';
import { api, startOcpp, uniqueStation, type OcppHarness } from '../apps/ocpp/test/harness.js';

describe('simulated chargers against the central system', () => {
  let h: OcppHarness;
  const sims: SimulatedStation[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    await api(h, 'PUT', '/api/v1/id-tags/SIM-TAG', {});
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function simulated(connectors = 2): Promise<SimulatedStation> {
    const sim = new SimulatedStation(defaultStation(uniqueStation('SIM'), { connectors, maxCurrentA: 32, phases: 3, voltageV: 230 }), {
      url: h.wsUrl,
      reconnect: false,
      meterIntervalS: 1,
    });
    sims.push(sim);
    const accepted = new Promise((resolve) => sim.once('registration', resolve));
    void sim.start();
    await accepted;
    return sim;
  }

  it('boots, reports every connector, charges with meter values and stops with the right energy', async () => {
    const sim = await simulated();
    const id = sim.station.identity;
    expect(await eventually(async () => (await h.db.query(`SELECT count(*)::int AS n FROM connectors WHERE station_id = $1`, [id]))[0].n === 3)).toBe(true);
    const transactionId = await sim.startSession(1, 'SIM-TAG', 11_000);
    expect(transactionId).toBeGreaterThan(0);
    expect(await eventually(async () => (await h.db.query(`SELECT count(*)::int AS n FROM meter_samples WHERE transaction_id = $1`, [transactionId]))[0].n > 0)).toBe(true);
    await sim.stopSession(1, 'EVDisconnected');
    const tx = (await api(h, 'GET', `/api/v1/transactions?stationId=${id}`)).body.items[0];
    expect(tx).toMatchObject({ transactionId, stopReason: 'EVDisconnected' });
    expect(tx.energyWh).toBe(tx.meterStopWh - tx.meterStartWh);
    expect(await eventually(() => h.events.of(Subjects.OcppTransactionStopped, id).length === 1)).toBe(true);
  });

  it('obeys planned limits: the simulator power follows the profile the central system built', async () => {
    const sim = await simulated();
    const id = sim.station.identity;
    // Onboarding has read the capabilities before the plan arrives.
    expect(await eventually(async () => (await api(h, 'GET', `/api/v1/stations/${id}`)).body.capabilities?.numberOfConnectors === 2)).toBe(true);
    await sim.startSession(1, 'SIM-TAG', 22_000);
    const start = new Date(Date.now() - 10 * 60_000).toISOString();
    await h.app.app.get(EventPublisher).publish(Subjects.PlannerStationLimitsPlanned, {
      planId: crypto.randomUUID(),
      groupId: 'G-SIM',
      stationId: id,
      reason: 'allocation',
      effectiveFrom: start,
      connectors: [
        { connectorId: 0, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 20 }] } },
        { connectorId: 1, schedule: { startSchedule: start, chargingRateUnit: 'A', periods: [{ startPeriodS: 0, limit: 10.5 }] } },
      ],
    });
    expect(await eventually(() => h.events.of(Subjects.OcppChargingProfileApplied, id).length === 2)).toBe(true);
    await sim.applyLimits();
    // 10.5 A × 230 V × 3 phases = 7,245 W: below the EV's 22 kW and the 20 A station cap.
    expect(sim.limitW(1)).toBeCloseTo(7245, 0);
    expect(sim.connectors[1]!.powerW).toBeCloseTo(7245, 0);
  });
});
