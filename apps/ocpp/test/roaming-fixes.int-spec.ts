import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Subjects, type OcpiCommandRequested } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { ReservationRepository } from '../src/reservations/reservation.repository.js';
import { OcpiCommandRepository } from '../src/roaming/ocpi-command.repository.js';
import { StaleOcpiCommands } from '../src/roaming/stale-ocpi-commands.js';
import { send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Every OCPI command for our chargers ends in an ocpi.command.result, whatever fails on the way. */
describe('OCPI commands: always an outcome', () => {
  let h: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await h.close();
  });

  async function charger(): Promise<{ cp: ChargePoint16; received: string[] }> {
    const cp = new ChargePoint16({ identity: uniqueStation('ROAM'), url: h.wsUrl, reconnect: false });
    const received: string[] = [];
    cp.handle('RemoteStartTransaction', () => (received.push('RemoteStartTransaction'), { status: 'Accepted' }));
    cp.handle('ReserveNow', () => (received.push('ReserveNow'), { status: 'Accepted' }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'R1' });
    return { cp, received };
  }

  async function command(stationId: string, type: OcpiCommandRequested['type'], parameters: Record<string, unknown>, connectorId: number | null = 1): Promise<string> {
    const commandId = randomUUID();
    const connector = connectorId === null ? {} : { connectorId };
    await h.app.app.get(EventPublisher).publish(Subjects.OcpiCommandRequested, { commandId, type, stationId, ...connector, parameters, requestedAt: new Date().toISOString() });
    return commandId;
  }

  async function resultOf(commandId: string, timeoutMs = 10_000): Promise<Record<string, unknown> | undefined> {
    await eventually(() => h.events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId), timeoutMs);
    return h.events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId);
  }

  it("a result that could not be written at first still reaches the partner with the charger's answer", async () => {
    const { cp, received } = await charger();
    jest.spyOn(h.app.app.get(OcpiCommandRepository), 'settle').mockRejectedValueOnce(new Error('database unavailable (simulated)'));
    const id = await command(cp.identity, 'START_SESSION', { token: { uid: 'ROAM-1' } });
    expect(await resultOf(id)).toMatchObject({ result: 'ACCEPTED' });
    expect(received).toEqual(['RemoteStartTransaction']);
  });

  it("a START_SESSION the charger refused leaves its token to the hub there: not Accepted without asking (nor exempt from ConcurrentTx) for the next 15 minutes; another one still open keeps it so", async () => {
    const { cp } = await charger();
    let answer: 'Accepted' | 'Rejected' = 'Rejected';
    cp.handle('RemoteStartTransaction', () => ({ status: answer }));
    const refused = await command(cp.identity, 'START_SESSION', { token: { uid: 'ROAM-REFUSED' } });
    expect(await resultOf(refused)).toMatchObject({ result: 'REJECTED' });
    // No hub answers in this harness: a token not commanded gets the default (Invalid).
    expect((await send(cp, 'Authorize', { idTag: 'ROAM-REFUSED' })).idTagInfo.status).toBe('Invalid');

    answer = 'Accepted';
    const accepted = await command(cp.identity, 'START_SESSION', { token: { uid: 'ROAM-TWICE' } });
    expect(await resultOf(accepted)).toMatchObject({ result: 'ACCEPTED' });
    answer = 'Rejected';
    const second = await command(cp.identity, 'START_SESSION', { token: { uid: 'ROAM-TWICE' } }, 2);
    expect(await resultOf(second)).toMatchObject({ result: 'REJECTED' });
    // The accepted one's StartTransaction is still to come (the car not yet plugged in).
    expect((await send(cp, 'Authorize', { idTag: 'ROAM-TWICE' })).idTagInfo.status).toBe('Accepted');
  }, 20_000);

  it('a failure before the charger is called is a FAILED result, not silence', async () => {
    const { cp, received } = await charger();
    jest.spyOn(h.app.app.get(ReservationRepository), 'nextId').mockRejectedValueOnce(new Error('sequence unavailable (simulated)'));
    const id = await command(cp.identity, 'RESERVE_NOW', { token: { uid: 'ROAM-2' }, expiry_date: later(600_000), reservation_id: 'R-9' });
    expect(await resultOf(id)).toMatchObject({ result: 'FAILED', message: expect.stringContaining('sequence unavailable') });
    expect(received).toEqual([]);
  });

  it('a RESERVE_NOW reusing an OCPI reservation_id replaces that reservation: the charger sees the same reservationId', async () => {
    const { cp } = await charger();
    const ids: number[] = [];
    cp.handle('ReserveNow', (req) => (ids.push(req.reservationId), { status: 'Accepted' }));
    for (const expiry of [600_000, 900_000]) {
      const id = await command(cp.identity, 'RESERVE_NOW', { token: { uid: 'ROAM-3' }, expiry_date: later(expiry), reservation_id: 'R-SAME' });
      expect(await resultOf(id)).toMatchObject({ result: 'ACCEPTED' });
    }
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
  });

  it("a RESERVE_NOW reusing an OCPI reservation_id at another station (the hub routes it there) cancels the eMSP's reservation at the first one, which no cancel can reach any more", async () => {
    const first = await charger();
    const second = await charger();
    const cancelled: number[] = [];
    first.cp.handle('CancelReservation', (req) => (cancelled.push(req.reservationId), { status: 'Accepted' }));
    second.cp.handle('CancelReservation', (req) => (cancelled.push(-req.reservationId), { status: 'Accepted' }));
    const reserve = (stationId: string) => command(stationId, 'RESERVE_NOW', { token: { uid: 'ROAM-4' }, expiry_date: later(600_000), reservation_id: 'R-MOVED' });
    expect(await resultOf(await reserve(first.cp.identity))).toMatchObject({ result: 'ACCEPTED' });
    const [held]: { reservation_id: number }[] = await h.db.query(`SELECT reservation_id FROM reservations WHERE station_id = $1`, [first.cp.identity]);
    expect(await resultOf(await reserve(second.cp.identity))).toMatchObject({ result: 'ACCEPTED' });
    await eventually(() => cancelled.length > 0, 5_000);
    expect(cancelled).toEqual([held!.reservation_id]);
    expect(second.received).toEqual(['ReserveNow']);
  });

  it("a START_SESSION naming the eMSP's reservation but no EVSE starts on the reserved connector (RemoteStartTransaction has no reservationId)", async () => {
    const { cp } = await charger();
    const starts: unknown[] = [];
    cp.handle('RemoteStartTransaction', (req) => (starts.push(req.connectorId), { status: 'Accepted' }));
    const reserved = await command(cp.identity, 'RESERVE_NOW', { token: { uid: 'ROAM-5' }, expiry_date: later(600_000), reservation_id: 'R-START' }, 2);
    expect(await resultOf(reserved)).toMatchObject({ result: 'ACCEPTED' });
    const started = await command(cp.identity, 'START_SESSION', { token: { uid: 'ROAM-5' }, reservation_id: 'R-START' }, null);
    expect(await resultOf(started)).toMatchObject({ result: 'ACCEPTED' });
    expect(starts).toEqual([2]);
  });

  it('a RESERVE_NOW whose socket closed after the CALL reached the charger (it may have reserved) is TIMEOUT, not FAILED, as the reservation is kept: TimedOut, still live', async () => {
    const { cp } = await charger();
    // The charger got the call and the connection dropped before any answer.
    cp.handle('ReserveNow', () => (cp.dropConnection(), new Promise<never>(() => undefined)));
    const id = await command(cp.identity, 'RESERVE_NOW', { token: { uid: 'ROAM-6' }, expiry_date: later(600_000), reservation_id: 'R-UNKNOWN' });
    expect(await resultOf(id)).toMatchObject({ result: 'TIMEOUT', message: expect.stringContaining('Offline') });
    const rows: { status: string }[] = await h.db.query(`SELECT status FROM reservations WHERE station_id = $1`, [cp.identity]);
    expect(rows).toEqual([{ status: 'TimedOut' }]);
  });

  it('a command left pending (its replica stopped mid-way) is settled as TIMEOUT once no execution can still be running', async () => {
    const stale = randomUUID();
    const fresh = randomUUID();
    const stationId = uniqueStation('ROAM');
    const insert = `INSERT INTO ocpi_commands (command_id, type, station_id, request, received_at) VALUES ($1, 'START_SESSION', $2, '{}', now() - make_interval(secs => $3))`;
    const pass = h.app.app.get(StaleOcpiCommands);
    await h.db.query(insert, [stale, stationId, pass.staleAfterS + 5]);
    await h.db.query(insert, [fresh, stationId, 1]);
    expect(await pass.run()).toEqual([stale]);
    expect(await resultOf(stale)).toMatchObject({ result: 'TIMEOUT' });
    expect(await pass.run()).toEqual([]);
    const rows: { command_id: string; status: string }[] = await h.db.query(`SELECT command_id, status FROM ocpi_commands WHERE station_id = $1 ORDER BY command_id`, [stationId]);
    expect(Object.fromEntries(rows.map((r) => [r.command_id, r.status]))).toEqual({ [stale]: 'settled', [fresh]: 'pending' });
    expect(h.events.of(Subjects.OcpiCommandResult).filter((e) => e['commandId'] === stale)).toHaveLength(1);
  });
});
