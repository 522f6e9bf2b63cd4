import { randomUUID } from 'node:crypto';
import { Subjects } from '@cpo/contracts';
import { eventually } from '@cpo/testing';
import WebSocket from 'ws';
import { api, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

type Answer = (payload: Record<string, unknown>) => unknown;

/**
 * A charger speaking raw frames: it answers the central system's CALLs from `answers` (payloads the
 * SDK would refuse to send, e.g. `"accepted"`), `{configurationKey: []}`-like defaults otherwise.
 */
class LooseCharger {
  answers: Record<string, Answer> = {};
  private pending = new Map<string, (frame: unknown[]) => void>();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      if (frame[0] === 2) {
        const [, id, action, payload] = frame as [number, string, string, Record<string, unknown>];
        const answer = this.answers[action];
        ws.send(JSON.stringify(answer ? [3, id, answer(payload)] : [4, id, 'NotSupported', 'not in this test', {}]));
        return;
      }
      const settle = this.pending.get(frame[1] as string);
      this.pending.delete(frame[1] as string);
      settle?.(frame);
    });
  }

  static open(url: string): Promise<LooseCharger> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'ocpp1.6');
      ws.once('open', () => resolve(new LooseCharger(ws)));
      ws.once('error', reject);
    });
  }

  call(action: string, payload: unknown): Promise<unknown[]> {
    const id = randomUUID();
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify([2, id, action, payload]));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

const profile = (id: number) => ({
  chargingProfileId: id,
  stackLevel: 2,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Absolute',
  chargingSchedule: { startSchedule: new Date(Date.now() - 600_000).toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
});

describe('charger payloads with odd-case enums and zoneless timestamps (guide §1.10)', () => {
  let h: OcppHarness;
  const open: LooseCharger[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    await api(h, 'PUT', '/api/v1/id-tags/TOL-1', { status: 'Accepted' });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  afterAll(async () => {
    await h.close();
  });

  async function charger(policy?: 'strict' | 'lenient' | 'off'): Promise<{ id: string; cp: LooseCharger }> {
    const id = uniqueStation('TOL');
    if (policy) expect((await api(h, 'PUT', `/api/v1/stations/${id}`, { validationPolicy: policy })).status).toBe(201);
    const cp = await LooseCharger.open(`${h.wsUrl}/${id}`);
    open.push(cp);
    cp.answers['GetConfiguration'] = () => ({
      configurationKey: [
        { key: 'ChargingScheduleAllowedChargingRateUnit', value: 'Current', readonly: true },
        { key: 'ChargeProfileMaxStackLevel', value: '8', readonly: true },
        { key: 'NumberOfConnectors', value: '2', readonly: true },
      ],
    });
    expect(await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'TOL' })).toMatchObject([3, expect.any(String), { status: 'Accepted' }]);
    return { id, cp };
  }
  const command = (id: string, action: string, payload: unknown) => api(h, 'POST', `/api/v1/stations/${id}/commands/${action}`, payload);

  it.each(['lenient', 'off'] as const)('%s: an answer "accepted" is read as Accepted, so the profile is shown installed and the remote start is not recorded Rejected', async (policy) => {
    const { id, cp } = await charger(policy);
    cp.answers['SetChargingProfile'] = () => ({ status: 'accepted' });
    cp.answers['RemoteStartTransaction'] = () => ({ status: 'ACCEPTED' });
    const set = await command(id, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(900) });
    expect(set).toMatchObject({ status: 200, body: { payload: { status: 'Accepted' } } });
    const installed = (await api(h, 'GET', `/api/v1/stations/${id}/operator-profiles`)).body as { chargingProfileId: number }[];
    expect(installed.map((p) => p.chargingProfileId)).toEqual([900]);
    const start = await command(id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'TOL-1' });
    expect(start).toMatchObject({ status: 200, body: { payload: { status: 'Accepted' } } });
    const rows = await h.db.query(`SELECT status FROM remote_starts WHERE station_id = $1`, [id]);
    expect(rows.map((r: { status: string }) => r.status)).not.toContain('Rejected');
  });

  it('strict: an answer "accepted" stays a FormationViolation the charger may have acted on', async () => {
    const { id, cp } = await charger('strict');
    cp.answers['SetChargingProfile'] = () => ({ status: 'accepted' });
    const set = await command(id, 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(901) });
    expect(set).toMatchObject({ status: 502, body: { code: 'FormationViolation' } });
  });

  it('strict (the default): a StatusNotification with a zoneless timestamp and odd-case enums is stored and published canonical', async () => {
    const { id, cp } = await charger();
    const at = new Date(Date.now() - 60_000).toISOString().replace('Z', '');
    expect(await cp.call('StatusNotification', { connectorId: 1, status: 'available', errorCode: 'noError', timestamp: at })).toEqual([3, expect.any(String), {}]);
    const [row] = await h.db.query(`SELECT status, error_code, status_at FROM connectors WHERE station_id = $1 AND connector_id = 1`, [id]);
    expect(row).toMatchObject({ status: 'Available', error_code: 'NoError' });
    expect((row.status_at as Date).toISOString()).toBe(`${at}Z`);
    expect(await eventually(() => h.events.of(Subjects.OcppConnectorStatus, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppConnectorStatus, id)[0]).toMatchObject({ status: 'Available', errorCode: 'NoError', timestamp: `${at}Z` });
  });

  it('lenient: an odd-case errorCode is stored and published canonical, like a stop reason', async () => {
    const { id, cp } = await charger('lenient');
    expect(await cp.call('StatusNotification', { connectorId: 2, status: 'Charging', errorCode: 'noerror' })).toEqual([3, expect.any(String), {}]);
    const [row] = await h.db.query(`SELECT status, error_code FROM connectors WHERE station_id = $1 AND connector_id = 2`, [id]);
    expect(row).toEqual({ status: 'Charging', error_code: 'NoError' });
    expect(await eventually(() => h.events.of(Subjects.OcppConnectorStatus, id).length === 1)).toBe(true);
    expect(h.events.of(Subjects.OcppConnectorStatus, id)[0]).toMatchObject({ status: 'Charging', errorCode: 'NoError' });
  });

  it('strict: a status outside its enum (not a case variant) is still a FormationViolation', async () => {
    const { cp } = await charger();
    const frame = await cp.call('StatusNotification', { connectorId: 1, status: 'Occupied', errorCode: 'NoError' });
    expect([frame[0], frame[2]]).toEqual([4, 'FormationViolation']);
  });
});
