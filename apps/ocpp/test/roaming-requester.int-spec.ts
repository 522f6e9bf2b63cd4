import { randomUUID } from 'node:crypto';
import { Subjects, type OcpiCommandRequested, type OcpiParty } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { eventually } from '@cpo/testing';
import { send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

const EMSP_A: OcpiParty = { countryCode: 'NL', partyId: 'AAA' };
const EMSP_B: OcpiParty = { countryCode: 'DE', partyId: 'BBB' };

/**
 * OCPI reservation ids are unique per eMSP only: two eMSPs may both use `R-1` at one station, and
 * neither may cancel or replace the other's reservation through it.
 */
describe('OCPI reservations of several eMSPs on one charger', () => {
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

  /** A charger that keeps its reservations (OCPP id → idTag) the way a real one does. */
  async function charger(): Promise<{ cp: ChargePoint16; reservations: Map<number, string>; cancelCalls: number[] }> {
    const cp = new ChargePoint16({ identity: uniqueStation('ROAM'), url: h.wsUrl, reconnect: false });
    const reservations = new Map<number, string>();
    const cancelCalls: number[] = [];
    cp.handle('ReserveNow', (req) => (reservations.set(req.reservationId, req.idTag), { status: 'Accepted' }));
    cp.handle('CancelReservation', (req) => (cancelCalls.push(req.reservationId), { status: reservations.delete(req.reservationId) ? 'Accepted' : 'Rejected' }));
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'R1' });
    return { cp, reservations, cancelCalls };
  }

  async function command(
    stationId: string,
    requester: OcpiParty | undefined,
    type: OcpiCommandRequested['type'],
    parameters: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    const commandId = randomUUID();
    await h.app.app.get(EventPublisher).publish(Subjects.OcpiCommandRequested, {
      commandId,
      type,
      stationId,
      connectorId: 1,
      ...(requester ? { requester } : {}),
      parameters,
      requestedAt: new Date().toISOString(),
    });
    await eventually(() => h.events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId), 10_000);
    return h.events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId);
  }

  const reserve = (stationId: string, requester: OcpiParty | undefined, uid: string, reservationId: string) =>
    command(stationId, requester, 'RESERVE_NOW', { token: { uid }, expiry_date: later(600_000), reservation_id: reservationId });
  const cancel = (stationId: string, requester: OcpiParty | undefined, reservationId: string) =>
    command(stationId, requester, 'CANCEL_RESERVATION', { reservation_id: reservationId });

  it("eMSP B's CANCEL_RESERVATION with eMSP A's reservation_id is UNKNOWN_RESERVATION; A's reservation stays and A can still cancel it", async () => {
    const { cp, reservations, cancelCalls } = await charger();
    expect(await reserve(cp.identity, EMSP_A, 'TAG-A', 'R-1')).toMatchObject({ result: 'ACCEPTED' });
    const [ofA] = [...reservations.keys()];

    expect(await cancel(cp.identity, EMSP_B, 'R-1')).toMatchObject({ result: 'UNKNOWN_RESERVATION' });
    // A command from a hub that names no requester is no party either.
    expect(await cancel(cp.identity, undefined, 'R-1')).toMatchObject({ result: 'UNKNOWN_RESERVATION' });
    expect(cancelCalls).toEqual([]);
    expect([...reservations]).toEqual([[ofA, 'TAG-A']]);

    // Party ids compare without case (OCPI CiString).
    expect(await cancel(cp.identity, { countryCode: 'nl', partyId: 'aaa' }, 'R-1')).toMatchObject({ result: 'CANCELED_RESERVATION' });
    expect(cancelCalls).toEqual([ofA]);
    expect(reservations.size).toBe(0);
  });

  it("eMSP B's RESERVE_NOW with eMSP A's reservation_id is a reservation of its own, not a replacement of A's", async () => {
    const { cp, reservations, cancelCalls } = await charger();
    expect(await reserve(cp.identity, EMSP_A, 'TAG-A', 'R-2')).toMatchObject({ result: 'ACCEPTED' });
    const [ofA] = [...reservations.keys()];
    expect(await reserve(cp.identity, EMSP_B, 'TAG-B', 'R-2')).toMatchObject({ result: 'ACCEPTED' });
    const ofB = [...reservations.keys()].find((id) => id !== ofA);
    expect(ofB).toBeDefined();
    expect(Object.fromEntries(reservations)).toEqual({ [ofA!]: 'TAG-A', [ofB!]: 'TAG-B' });

    // Each eMSP's later commands with that id reach its own reservation only.
    expect(await reserve(cp.identity, EMSP_A, 'TAG-A2', 'R-2')).toMatchObject({ result: 'ACCEPTED' });
    expect(Object.fromEntries(reservations)).toEqual({ [ofA!]: 'TAG-A2', [ofB!]: 'TAG-B' });
    expect(await cancel(cp.identity, EMSP_B, 'R-2')).toMatchObject({ result: 'CANCELED_RESERVATION' });
    expect(cancelCalls).toEqual([ofB]);
    expect(Object.fromEntries(reservations)).toEqual({ [ofA!]: 'TAG-A2' });
  });

  it('a reservation made before the hub named requesters can still be cancelled by an eMSP naming itself (it would block the connector until it expired)', async () => {
    const { cp, reservations, cancelCalls } = await charger();
    expect(await reserve(cp.identity, undefined, 'TAG-OLD', 'R-3')).toMatchObject({ result: 'ACCEPTED' });
    const [old] = [...reservations.keys()];
    expect(await cancel(cp.identity, EMSP_A, 'R-3')).toMatchObject({ result: 'CANCELED_RESERVATION' });
    expect(cancelCalls).toEqual([old]);
  });
});
