import { acceptingAnswers, TestCsms } from '@cpo/ocpp-chargepoint';
import { SimulatedStation } from './simulated-station.js';
import { defaultStation } from './station-config.js';

type Status = { connectorId: number; status: string };
const statusesOf = (csms: TestCsms, connectorId: number) =>
  csms.received.filter((f) => f[0] === 2 && f[2] === 'StatusNotification' && (f[3] as Status).connectorId === connectorId).map((f) => (f[3] as Status).status);

describe('a session start that fails half-way', () => {
  let csms: TestCsms;
  let sim: SimulatedStation;
  let refuseStart: boolean;
  beforeEach(async () => {
    refuseStart = false;
    csms = new TestCsms();
    const accept = acceptingAnswers({ transactionId: 7 });
    csms.onCall = (action) => (action === 'StartTransaction' && refuseStart ? ['InternalError', 'database down'] : accept(action));
    const url = await csms.start();
    sim = new SimulatedStation(defaultStation('SIM-1', { connectors: 1 }), { url, reconnect: false, meterIntervalS: 3600 });
    const accepted = new Promise((r) => sim.once('registration', r));
    void sim.start();
    await accepted;
    await csms.next((f) => f[2] === 'StatusNotification' && (f[3] as Status).connectorId === 1);
  });
  afterEach(async () => {
    await sim.stop();
    await csms.stop();
  });

  it('an Authorize the station refuses to send (idTag over 20 characters) puts the connector back to Available, and the next session starts', async () => {
    await expect(sim.startSession(1, 'TAG-EXPLORATORY-LONGNAME-0001', 11_000)).rejects.toThrow(/refusing to send invalid Authorize/);
    expect(sim.connectors[1].status).toBe('Available');
    await csms.next((f) => f[2] === 'StatusNotification' && (f[3] as Status).connectorId === 1 && (f[3] as Status).status === 'Available' && statusesOf(csms, 1).length === 3);
    expect(statusesOf(csms, 1)).toEqual(['Available', 'Preparing', 'Available']);

    await expect(sim.startSession(1, 'TAG-1', 11_000)).resolves.toBe(7);
    expect(sim.stats.errors).toBe(1);
    expect(sim.failures.byKind()).toEqual({
      'Authorize: FormationViolation (not sent)': { count: 1, example: 'FormationViolation: refusing to send invalid Authorize: /idTag must NOT have more than 20 characters' },
    });
  });

  it('a StartTransaction answered with a CALLERROR puts the connector back to Available and is counted once, by kind', async () => {
    refuseStart = true;
    await expect(sim.startSession(1, 'TAG-1', 11_000)).rejects.toThrow(/database down/);
    expect(sim.connectors[1].status).toBe('Available');
    expect(sim.connectors[1].transaction).toBeUndefined();
    expect(sim.stats.errors).toBe(1);
    expect(sim.failures.byKind()).toEqual({ 'StartTransaction: InternalError': { count: 1, example: 'InternalError: database down' } });
    refuseStart = false;
    await expect(sim.startSession(1, 'TAG-1', 11_000)).resolves.toBe(7);
  });

  it('a RemoteStartTransaction whose StartTransaction fails frees the connector too', async () => {
    refuseStart = true;
    expect(await csms.callCharger('r1', 'RemoteStartTransaction', { idTag: 'TAG-1', connectorId: 1 })).toEqual([3, 'r1', { status: 'Accepted' }]);
    await csms.next((f) => f[2] === 'StatusNotification' && statusesOf(csms, 1).length === 3);
    expect(statusesOf(csms, 1)).toEqual(['Available', 'Preparing', 'Available']);
    expect(sim.connectors[1].status).toBe('Available');
  });

  it('counts a refused authorization apart from errors', async () => {
    csms.onCall = (action) => (action === 'Authorize' ? { idTagInfo: { status: 'Invalid' } } : {});
    await expect(sim.startSession(1, 'TAG-1', 11_000)).resolves.toBeUndefined();
    expect(sim.stats).toMatchObject({ errors: 0, refused: 1 });
    expect(sim.connectors[1].status).toBe('Available');
  });

  it('a stop scheduled for one session does not end the next one on the connector', async () => {
    const first = (await sim.startSession(1, 'TAG-1', 11_000))!;
    expect(await sim.stopSession(1, 'Local')).toBe(true);
    await sim.startSession(1, 'TAG-1', 11_000);
    // The next session got the same id from this CSMS: another id stands for the session the stop was meant for.
    expect(await sim.stopSession(1, 'EVDisconnected', first + 1)).toBe(false);
    expect(sim.connectors[1].transaction).toBeDefined();
    expect(await sim.stopSession(1, 'EVDisconnected', first)).toBe(true);
    expect(sim.connectors[1].transaction).toBeUndefined();
  });
});
