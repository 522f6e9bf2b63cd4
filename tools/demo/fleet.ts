/**
 * The demo's chargers: real simulated OCPP 1.6-J stations (apps/cp-simulator's SimulatedStation)
 * connected to the ocpp service over WebSocket. Their power obeys the charging profiles the planner
 * sends; what they *will* draw at a future instant comes from the same smart-charging engine
 * (SmartCharging16.limitAt) over the profiles they hold, as test/capacity-e2e.int-spec.ts does.
 */
import { SmartCharging16 } from '@cpo/ocpp-protocol';
import { SimulatedStation } from '../../apps/cp-simulator/src/station/simulated-station.js';
import { defaultStation } from '../../apps/cp-simulator/src/station/station-config.js';
import { call, DemoError, ok, withTimeout } from './platform.js';
import type { GroupPlan } from './options.js';

export const VOLTAGE_V = 220;
export const MAX_CURRENT_A = 32;
/** EVs differ: most take 22 kW, every fourth only 11 kW (it then leaves its share to the others). */
const EV_KW = [22, 22, 22, 11];

export interface Charger {
  sim: SimulatedStation;
  groupId: string;
  /** The EV's own maximum, kW; 0 = nothing plugged in. */
  evKw: number;
  tag: string;
}

export class DemoFleet {
  readonly chargers: Charger[] = [];

  constructor(
    private readonly ocppUrl: string,
    private readonly runId: string,
  ) {}

  /** Registers one id tag per charger (a tag charging elsewhere is refused: ConcurrentTx), then connects them all. */
  async connect(groups: readonly GroupPlan[]): Promise<void> {
    const wsUrl = `${this.ocppUrl.replace(/^http/, 'ws')}/ocpp`;
    for (const g of groups) {
      g.stationIds.forEach((id, i) => {
        const sim = new SimulatedStation(defaultStation(id, { connectors: 1, maxCurrentA: MAX_CURRENT_A, phases: 3, voltageV: VOLTAGE_V, model: 'DEMO-AC22' }), {
          url: wsUrl,
          reconnect: false,
          meterIntervalS: 10,
        });
        sim.on('error', () => undefined); // counted in sim.stats; one station must not end the demo
        // Tags are unique per run, so a session left open by an interrupted earlier run cannot block this one.
        this.chargers.push({ sim, groupId: g.groupId, evKw: i < g.sessions ? EV_KW[i % EV_KW.length] : 0, tag: `D${this.runId}-${id.slice(5)}` });
      });
    }
    for (const c of this.chargers) await ok(this.ocppUrl, 'PUT', `/api/v1/id-tags/${encodeURIComponent(c.tag)}`, {});
    await Promise.all(
      this.chargers.map(async (c) => {
        const accepted = new Promise<void>((resolve) => c.sim.once('registration', (status) => status === 'Accepted' && resolve()));
        void c.sim.start();
        await withTimeout(accepted, 60_000, `${c.sim.station.identity} to be accepted by ocpp (BootNotification; the ocpp service must admit unknown stations: OCPP_UNKNOWN_STATION_POLICY=auto-register, the development default)`);
      }),
    );
  }

  /** Plugs in the EVs: Authorize → StartTransaction on connector 1 of each charger with a session. */
  async startSessions(): Promise<void> {
    for (const c of this.chargers.filter((x) => x.evKw > 0)) {
      const tx = await c.sim.startSession(1, c.tag, c.evKw * 1000);
      if (tx === undefined) throw new DemoError(`${c.sim.station.identity}: the central system refused the session of tag ${c.tag}`);
    }
  }

  of(groupId: string): Charger[] {
    return this.chargers.filter((c) => c.groupId === groupId);
  }

  /** Brings every charger's power up to date with its profiles now (energy integrated to now). */
  async refresh(): Promise<void> {
    await Promise.all(this.chargers.map((c) => c.sim.applyLimits().catch(() => undefined)));
  }

  /** Ends the sessions (StopTransaction) and disconnects; with `removeTags`, the run's id tags go too. */
  async stop(removeTags: boolean): Promise<void> {
    await Promise.all(this.chargers.filter((c) => c.evKw > 0).map((c) => c.sim.stopSession(1).catch(() => undefined)));
    await Promise.all(this.chargers.map((c) => c.sim.stop().catch(() => undefined)));
    if (removeTags) for (const c of this.chargers) await call(this.ocppUrl, 'DELETE', `/api/v1/id-tags/${encodeURIComponent(c.tag)}`).catch(() => undefined);
  }
}

/** What the charger draws now (kW), as last computed from its profiles. */
export const drawKw = (c: Charger): number => c.sim.connectors.filter((x) => x.id > 0).reduce((s, x) => s + x.powerW, 0) / 1000;

/** The composite-schedule limit of one connector (0 = the whole station) at `t`, W. */
export function limitW(sim: SimulatedStation, connectorId: number, t: Date): number {
  const c = sim.connectors[connectorId];
  const electrical = { voltageV: sim.station.voltageV, phases: sim.station.phases, maxCurrentA: sim.station.maxCurrentA };
  const transaction = c.transaction ? { startedAt: c.transaction.startedAt, transactionId: c.transaction.id } : undefined;
  return SmartCharging16.limitAt({ profiles: sim.profiles.list(), connectorId, unit: 'W', electrical, transaction }, t).limit;
}

/** What the charger will draw at `t` by the profiles it holds now: min(limit, EV) within the station cap, kW. */
export function scheduledKw(c: Charger, t: Date): number {
  const charging = c.sim.connectors.filter((x) => x.id > 0 && x.transaction);
  const total = charging.reduce((sum, x) => sum + Math.min(limitW(c.sim, x.id, t), x.evMaxPowerW), 0);
  return Math.min(total, limitW(c.sim, 0, t)) / 1000;
}

/** The station-wide limit (ChargePointMaxProfile composite) at `t` in A per phase. */
export function stationLimitA(c: Charger, t: Date): number {
  return limitW(c.sim, 0, t) / (VOLTAGE_V * c.sim.station.phases);
}
