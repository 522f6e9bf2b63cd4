import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { CS_ACTIONS_16, type CsAction16, type JsonObject } from '@cpo/ocpp-protocol';
import WebSocket from 'ws';
import { api, RawClient, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const soon = new Date(Date.now() + 3_600_000).toISOString();
const profile = {
  chargingProfileId: 7,
  stackLevel: 0,
  chargingProfilePurpose: 'TxDefaultProfile',
  chargingProfileKind: 'Absolute',
  chargingSchedule: { startSchedule: new Date().toISOString(), chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8.1 }] },
};

/** Every CSMS → charger action of the six feature profiles: a request and the answer our test charger gives. */
const COMMANDS: Partial<Record<CsAction16, { request: JsonObject; answer: JsonObject }>> = {
  CancelReservation: { request: { reservationId: 1 }, answer: { status: 'Rejected' } },
  ChangeAvailability: { request: { connectorId: 0, type: 'Inoperative' }, answer: { status: 'Scheduled' } },
  ChangeConfiguration: { request: { key: 'MeterValueSampleInterval', value: '60' }, answer: { status: 'RebootRequired' } },
  ClearCache: { request: {}, answer: { status: 'Accepted' } },
  ClearChargingProfile: { request: { id: 7 }, answer: { status: 'Unknown' } },
  DataTransfer: { request: { vendorId: 'com.acme', messageId: 'ping', data: 'x' }, answer: { status: 'Accepted', data: 'pong' } },
  GetCompositeSchedule: {
    request: { connectorId: 1, duration: 3600, chargingRateUnit: 'A' },
    answer: { status: 'Accepted', connectorId: 1, scheduleStart: new Date().toISOString(), chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.2 }] } },
  },
  GetConfiguration: { request: { key: ['HeartbeatInterval', 'Nope'] }, answer: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['Nope'] } },
  GetDiagnostics: { request: { location: 'ftp://diag.example.com/upload', retries: 2, retryInterval: 30 }, answer: { fileName: 'diag-001.zip' } },
  GetLocalListVersion: { request: {}, answer: { listVersion: -1 } },
  RemoteStartTransaction: { request: { idTag: 'GOOD', connectorId: 1, chargingProfile: { ...profile, chargingProfilePurpose: 'TxProfile' } }, answer: { status: 'Rejected' } },
  RemoteStopTransaction: { request: { transactionId: 42 }, answer: { status: 'Rejected' } },
  ReserveNow: { request: { connectorId: 1, expiryDate: soon, idTag: 'GOOD', reservationId: 5 }, answer: { status: 'Faulted' } },
  Reset: { request: { type: 'Hard' }, answer: { status: 'Accepted' } },
  SendLocalList: { request: { listVersion: 1, updateType: 'Full', localAuthorizationList: [] }, answer: { status: 'NotSupported' } },
  SetChargingProfile: { request: { connectorId: 1, csChargingProfiles: profile }, answer: { status: 'Accepted' } },
  TriggerMessage: { request: { requestedMessage: 'MeterValues', connectorId: 1 }, answer: { status: 'NotImplemented' } },
  UnlockConnector: { request: { connectorId: 1 }, answer: { status: 'UnlockFailed' } },
  UpdateFirmware: { request: { location: 'https://fw.example.com/s1-2.0.bin', retrieveDate: soon }, answer: {} },
};

const ACTIONS = Object.keys(COMMANDS) as CsAction16[];

describe('every OCPP 1.6 operator command through the REST API', () => {
  let h: OcppHarness;
  let cp: ChargePoint16;
  const received: { action: string; payload: unknown }[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    cp = new ChargePoint16({ identity: uniqueStation(), url: h.wsUrl, reconnect: false });
    for (const action of ACTIONS) {
      cp.handle(action, (payload) => {
        received.push({ action, payload });
        return COMMANDS[action]!.answer as never;
      });
    }
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' });
  });
  afterAll(async () => {
    await cp.stop();
    await h.close();
  });

  it('covers the 19 commands of the six feature profiles', () => {
    expect(ACTIONS).toHaveLength(19);
    expect(ACTIONS.every((a) => CS_ACTIONS_16.includes(a))).toBe(true);
  });

  it.each(ACTIONS.map((a) => [a]))('%s reaches the charger unchanged and returns its answer', async (action) => {
    const { request, answer } = COMMANDS[action]!;
    const before = received.length;
    const res = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/${action}`, request);
    expect(res).toEqual({ status: 200, body: { status: 'ok', payload: answer } });
    expect(received.slice(before).find((r) => r.action === action)?.payload).toEqual(request);
  });

  it('refuses an invalid command payload with per-field details and sends nothing', async () => {
    const before = received.length;
    const res = await api(h, 'POST', `/api/v1/stations/${cp.identity}/commands/SetChargingProfile`, { connectorId: 'one', csChargingProfiles: {} });
    expect(res.status).toBe(400);
    expect(res.body.details.errors.length).toBeGreaterThan(0);
    expect(received.length).toBe(before);
  });
});

describe('keep-alive', () => {
  let h: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp({ OCPP_PING_INTERVAL_MS: '200' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('pings, keeps a peer that answers, and drops one that stopped answering', async () => {
    const alive = await RawClient.open(`${h.wsUrl}/${uniqueStation('ALIVE')}`);
    const dead = await RawClient.open(`${h.wsUrl}/${uniqueStation('DEAD')}`);
    let pings = 0;
    dead.ws.on('ping', () => (pings += 1));
    // A half-open peer: pings arrive but no pong ever goes back.
    (dead.ws as WebSocket & { pong: () => void }).pong = () => undefined;
    const closed = await dead.closed;
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(closed.code).toBe(1006);
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    alive.close();
  });
});
