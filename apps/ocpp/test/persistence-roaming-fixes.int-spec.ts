import { randomUUID } from 'node:crypto';
import { Subjects, type OcpiCommandRequested } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('OCPI reservations on our chargers', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function charger(): Promise<{ cp: ChargePoint16; reserved: number[]; cancelled: number[]; calls: string[] }> {
    const cp = new ChargePoint16({ identity: uniqueStation('ROAM'), url: h.wsUrl, reconnect: false });
    const reserved: number[] = [];
    const cancelled: number[] = [];
    const calls: string[] = [];
    cp.handle('RemoteStartTransaction', () => (calls.push('RemoteStartTransaction'), { status: 'Accepted' }));
    cp.handle('UnlockConnector', () => (calls.push('UnlockConnector'), { status: 'Unlocked' }));
    cp.handle('ReserveNow', (req) => (reserved.push(req.reservationId), { status: 'Accepted' }));
    cp.handle('CancelReservation', (req) => ({ status: reserved.includes(req.reservationId) ? (cancelled.push(req.reservationId), 'Accepted') : 'Rejected' }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'R1' });
    return { cp, reserved, cancelled, calls };
  }

  async function command(stationId: string, type: OcpiCommandRequested['type'], parameters: Record<string, unknown>, requestedAt = new Date()): Promise<Record<string, unknown> | undefined> {
    const commandId = randomUUID();
    await h.app.app.get(EventPublisher).publish(Subjects.OcpiCommandRequested, { commandId, type, stationId, connectorId: 1, parameters, requestedAt: requestedAt.toISOString() });
    await eventually(() => h.events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId), 10_000);
    return h.events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId);
  }

  it('an OCPI 2.1.1 reservation_id (an integer) is remembered: a RESERVE_NOW reusing it replaces the reservation, a CANCEL_RESERVATION finds it', async () => {
    const { cp, reserved, cancelled } = await charger();
    for (const expiry of [600_000, 900_000]) {
      expect(await command(cp.identity, 'RESERVE_NOW', { token: { uid: 'ROAM-N' }, expiry_date: later(expiry), reservation_id: 41 })).toMatchObject({ result: 'ACCEPTED' });
    }
    expect(reserved).toHaveLength(2);
    expect(reserved[1]).toBe(reserved[0]);
    // The hub keeps reservation ids as text whatever the version they came in.
    expect(await command(cp.identity, 'CANCEL_RESERVATION', { reservation_id: '41' })).toMatchObject({ result: 'CANCELED_RESERVATION' });
    expect(cancelled).toEqual([reserved[0]]);
  });

  it('a command that reaches us long after it was requested (ocpp was down, the consumer lagged) is TIMEOUT, never run on the charger', async () => {
    const { cp, calls } = await charger();
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    expect(await command(cp.identity, 'UNLOCK_CONNECTOR', {}, tenMinutesAgo)).toMatchObject({ result: 'TIMEOUT' });
    expect(await command(cp.identity, 'START_SESSION', { token: { uid: 'ROAM-LATE' } }, tenMinutesAgo)).toMatchObject({ result: 'TIMEOUT' });
    expect(await command(cp.identity, 'START_SESSION', { token: { uid: 'ROAM-NOW' } })).toMatchObject({ result: 'ACCEPTED' });
    expect(calls).toEqual(['RemoteStartTransaction']);
  });
});
