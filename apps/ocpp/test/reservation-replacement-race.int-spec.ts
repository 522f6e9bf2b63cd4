import { api, ocppSuite, send } from './harness.js';

const now = () => new Date().toISOString();
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * A ReserveNow replacing a held reservation (same reservationId) is `Requested` until the charger
 * answers, and the charger still holds the old one meanwhile. What ends the old one on the charger
 * in that window (a start by its tag, its connector going Faulted) must still end it here: a
 * refused replacement restores the old one, which must then not read as held again.
 */
describe('OCPP reservation replacement racing what ends the held one', () => {
  const { ocpp, booted, command } = ocppSuite();
  const reservations = async (stationId: string) => (await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${stationId}`)).body.items as Record<string, unknown>[];

  it('a start by the held tag (no reservationId) before the charger gets the replacement uses the held one; the refusal does not revive it', async () => {
    let replacing = false;
    let transactionId: number | undefined;
    const cp = await booted(undefined, (c) =>
      c.handle('ReserveNow', async () => {
        if (!replacing) return { status: 'Accepted' as const };
        // The car arrived first: the charger ended the reservation with this start, then refuses the replacement.
        transactionId = (await send(c, 'StartTransaction', { connectorId: 1, idTag: 'RACE-HELD', meterStart: 0, timestamp: now() })).transactionId;
        return { status: 'Occupied' as const };
      }),
    );
    const held = { connectorId: 1, expiryDate: later(600_000), idTag: 'RACE-HELD', reservationId: 1_766_004_700 };
    expect((await command(cp.identity, 'ReserveNow', held)).status).toBe(200);

    replacing = true;
    expect((await command(cp.identity, 'ReserveNow', { ...held, idTag: 'RACE-NEW', expiryDate: later(1_200_000) })).body).toEqual({ status: 'ok', payload: { status: 'Occupied' } });
    const rows = await reservations(cp.identity);
    expect(rows.filter((r) => ['Accepted', 'TimedOut', 'Requested'].includes(r['status'] as string))).toEqual([]);
    expect(rows).toContainEqual(expect.objectContaining({ reservationId: held.reservationId, idTag: 'RACE-HELD', status: 'Used', transactionId }));
    expect(rows).toContainEqual(expect.objectContaining({ reservationId: held.reservationId, idTag: 'RACE-NEW', status: 'Occupied', transactionId: null }));
  });

  it('a station-wide replacement the charger takes after such a start is held with its own terms', async () => {
    let replacing = false;
    const cp = await booted(undefined, (c) =>
      c.handle('ReserveNow', async () => {
        if (replacing) await send(c, 'StartTransaction', { connectorId: 1, idTag: 'RACE-WIDE', meterStart: 0, timestamp: now() });
        return { status: 'Accepted' as const };
      }),
    );
    const held = { connectorId: 0, expiryDate: later(600_000), idTag: 'RACE-WIDE', reservationId: 1_766_004_702 };
    expect((await command(cp.identity, 'ReserveNow', held)).status).toBe(200);
    replacing = true;
    expect((await command(cp.identity, 'ReserveNow', { ...held, idTag: 'RACE-WIDE-NEW' })).status).toBe(200);
    expect((await reservations(cp.identity)).map((r) => [r['idTag'], r['status']])).toEqual([
      ['RACE-WIDE-NEW', 'Accepted'],
      ['RACE-WIDE', 'Used'],
    ]);
  });

  it('its connector going Faulted before the charger gets the replacement ends the held one; the refusal does not revive it', async () => {
    let replacing = false;
    const cp = await booted(undefined, (c) =>
      c.handle('ReserveNow', async () => {
        if (!replacing) return { status: 'Accepted' as const };
        await send(c, 'StatusNotification', { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', timestamp: now() });
        return { status: 'Faulted' as const };
      }),
    );
    const held = { connectorId: 1, expiryDate: later(600_000), idTag: 'RACE-FAULT', reservationId: 1_766_004_701 };
    expect((await command(cp.identity, 'ReserveNow', held)).status).toBe(200);

    replacing = true;
    expect((await command(cp.identity, 'ReserveNow', { ...held, idTag: 'RACE-FAULT-NEW' })).body).toEqual({ status: 'ok', payload: { status: 'Faulted' } });
    const rows = await reservations(cp.identity);
    expect(rows.filter((r) => ['Accepted', 'TimedOut', 'Requested'].includes(r['status'] as string))).toEqual([]);
    expect(rows).toContainEqual(expect.objectContaining({ idTag: 'RACE-FAULT', status: 'Faulted' }));
  });

  describe('replaced twice before the charger answers', () => {
    const twice = async (reservationId: number, answers: Record<string, 'Accepted' | 'Occupied' | 'Rejected'>) => {
      let calls = 0;
      const cp = await booted(undefined, (c) =>
        c.handle('ReserveNow', async (req) => {
          // The first replacement is answered only once the second one is recorded too.
          if (++calls === 2) await new Promise((r) => setTimeout(r, 500));
          return { status: answers[req.idTag] ?? 'Accepted' };
        }),
      );
      const held = { connectorId: 1, expiryDate: later(600_000), idTag: 'TWICE-A', reservationId };
      expect((await command(cp.identity, 'ReserveNow', held)).status).toBe(200);
      await Promise.all([command(cp.identity, 'ReserveNow', { ...held, idTag: 'TWICE-B' }), command(cp.identity, 'ReserveNow', { ...held, idTag: 'TWICE-C' })]);
      return (await reservations(cp.identity)).map((r) => [r['idTag'], r['status']]);
    };

    it('the first taken and the second refused: the first is held', async () => {
      const rows = await twice(1_766_004_703, { 'TWICE-B': 'Accepted', 'TWICE-C': 'Occupied' });
      expect(rows.filter(([, s]) => s === 'Accepted')).toEqual([['TWICE-B', 'Accepted']]);
      expect(rows).toContainEqual(['TWICE-C', 'Occupied']);
    });

    it('the first refused and the second taken: the second is held', async () => {
      const rows = await twice(1_766_004_704, { 'TWICE-B': 'Rejected', 'TWICE-C': 'Accepted' });
      expect(rows.filter(([, s]) => s === 'Accepted')).toEqual([['TWICE-C', 'Accepted']]);
      expect(rows).toContainEqual(['TWICE-B', 'Rejected']);
    });
  });
});
