import { randomUUID } from 'node:crypto';
import { Subjects } from '@cpo/contracts';
import { EventPublisher } from '@cpo/messaging';
import { eventually } from '@cpo/testing';
import { api, ocppSuite, send } from './harness.js';

const now = () => new Date().toISOString();
const later = (ms: number) => new Date(Date.now() + ms).toISOString();
const TOP = 2_147_483_647;

/**
 * Reservation ids (OCPP 1.6: a 32-bit integer) we allocate when a ReserveNow has none: an explicit
 * id, however large, must not use up the range we allocate from, and an allocated id is never one a
 * station holds. An id that has ended at one station is free at another (only held ids are refused).
 */
describe('OCPP reservation ids: explicit and allocated', () => {
  const { ocpp, booted, command } = ocppSuite();
  const reservations = async (stationId: string) => (await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${stationId}`)).body.items as Record<string, unknown>[];
  const accepting = () => booted(undefined, (c) => c.handle('ReserveNow', () => ({ status: 'Accepted' })));

  it('an explicit reservationId of 2147483647 leaves allocation working, and allocated ids skip the ids stations hold', async () => {
    const cp = await accepting();
    const top = await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'TOP', reservationId: TOP });
    expect(top.body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    const auto = await command(cp.identity, 'ReserveNow', { connectorId: 2, expiryDate: later(600_000), idTag: 'AUTO' });
    expect({ status: auto.status, body: auto.body }).toEqual({ status: 200, body: { status: 'ok', payload: { status: 'Accepted' } } });

    const [autoId] = (await reservations(cp.identity)).filter((r) => r['idTag'] === 'AUTO').map((r) => r['reservationId'] as number);
    expect(autoId).toBe(1);

    // The sequence at its top (as a deployment hit by the old rule left it): it wraps, past the ids held anywhere.
    await ocpp().db.query(`SELECT setval('reservation_id_seq', $1)`, [TOP]);
    const other = await accepting();
    for (const reservationId of [2, 3]) {
      expect((await command(other.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: `H${reservationId}`, reservationId })).status).toBe(200);
    }
    const wrapped = await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'WRAP' });
    expect(wrapped.status).toBe(200);
    expect((await reservations(cp.identity)).map((r) => [r['idTag'], r['reservationId'], r['status']])).toEqual([
      ['WRAP', 4, 'Accepted'],
      ['AUTO', 1, 'Accepted'],
      ['TOP', TOP, 'Accepted'],
    ]);
    expect((await reservations(other.identity)).map((r) => r['status'])).toEqual(['Accepted', 'Accepted']);
  });

  it('an id that ended at one station (Used) may be reserved at another; one held there is refused', async () => {
    const [a, b] = [await accepting(), await accepting()];
    const id = 1_766_000_701;
    const reserve = { connectorId: 1, expiryDate: later(600_000), idTag: 'ENDED', reservationId: id };
    expect((await command(a.identity, 'ReserveNow', reserve)).status).toBe(200);
    const held = await command(b.identity, 'ReserveNow', reserve);
    expect({ status: held.status, code: held.body.code }).toEqual({ status: 409, code: 'Conflict' });

    const started = await send(a, 'StartTransaction', { connectorId: 1, idTag: 'ENDED', meterStart: 0, timestamp: now(), reservationId: id });
    const reused = await command(b.identity, 'ReserveNow', reserve);
    expect({ status: reused.status, body: reused.body }).toEqual({ status: 200, body: { status: 'ok', payload: { status: 'Accepted' } } });
    expect(await reservations(b.identity)).toEqual([expect.objectContaining({ reservationId: id, status: 'Accepted' })]);
    expect(await reservations(a.identity)).toEqual([expect.objectContaining({ reservationId: id, status: 'Used', transactionId: started.transactionId })]);
    // The start at b carrying it uses b's, and a's keeps its transaction.
    const second = await send(b, 'StartTransaction', { connectorId: 1, idTag: 'ENDED', meterStart: 0, timestamp: now(), reservationId: id });
    expect(await reservations(b.identity)).toEqual([expect.objectContaining({ reservationId: id, status: 'Used', transactionId: second.transactionId })]);
    expect(await reservations(a.identity)).toEqual([expect.objectContaining({ status: 'Used', transactionId: started.transactionId })]);
    expect(JSON.stringify(held.body)).toContain('held at another station');
  });

  it('OCPI RESERVE_NOWs (ids we allocate) keep working after an explicit id at the top of the range', async () => {
    const ids: number[] = [];
    const cp = await booted(undefined, (c) => c.handle('ReserveNow', (req) => (ids.push(req.reservationId), { status: 'Accepted' })));
    expect((await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(600_000), idTag: 'NEAR-TOP', reservationId: TOP - 1 })).status).toBe(200);
    for (const reservation of ['R-1', 'R-2']) {
      const commandId = randomUUID();
      const parameters = { token: { uid: 'ROAM' }, expiry_date: later(600_000), reservation_id: reservation };
      await ocpp().app.app.get(EventPublisher).publish(Subjects.OcpiCommandRequested, { commandId, type: 'RESERVE_NOW', stationId: cp.identity, connectorId: 2, parameters, requestedAt: now() });
      await eventually(() => ocpp().events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId), 10_000);
      expect(ocpp().events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId)).toMatchObject({ result: 'ACCEPTED' });
    }
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });
});
