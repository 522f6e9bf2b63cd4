import { randomUUID } from 'node:crypto';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, ocppSuite, send } from './harness.js';

const now = () => new Date().toISOString();
const inOneHour = () => new Date(Date.now() + 3_600_000).toISOString();
const uniqueTag = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`.toUpperCase();

/**
 * OCPP 1.6 §5.13: a reservation ends on the charger when a transaction starts for its idTag (or
 * parent idTag) on its connector (any connector for connector 0), whether or not the
 * StartTransaction names it: `reservationId` is optional and many chargers leave it out.
 */
describe('a reservation ends with a start by its tag that does not carry reservationId', () => {
  const { ocpp, booted, command } = ocppSuite();

  const accepting = () => booted(undefined, (c) => c.handle('ReserveNow', () => ({ status: 'Accepted' })));
  const reserve = async (cp: ChargePoint16, r: { connectorId: number; idTag: string; parentIdTag?: string }) => {
    const res = await command(cp.identity, 'ReserveNow', { ...r, expiryDate: inOneHour() });
    expect(res.body.payload).toEqual({ status: 'Accepted' });
  };
  const reservations = async (cp: ChargePoint16) =>
    ((await api(ocpp(), 'GET', `/api/v1/reservations?stationId=${cp.identity}`)).body.items as Record<string, unknown>[]).map((r) => ({
      connectorId: r['connectorId'],
      idTag: r['idTag'],
      status: r['status'],
      transactionId: r['transactionId'],
    }));

  it('a start by the reserved tag, in another case, on the reserved connector: Used by that transaction; a retried start changes nothing', async () => {
    const cp = await accepting();
    const idTag = uniqueTag('RSV-CASE');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    await reserve(cp, { connectorId: 1, idTag });
    const start = { connectorId: 1, idTag: idTag.toLowerCase(), meterStart: 0, timestamp: now() };
    const started = await send(cp, 'StartTransaction', start);
    expect(await reservations(cp)).toEqual([{ connectorId: 1, idTag, status: 'Used', transactionId: started.transactionId }]);
    const retried = await send(cp, 'StartTransaction', start);
    expect(retried.transactionId).toBe(started.transactionId);
    expect(await reservations(cp)).toEqual([{ connectorId: 1, idTag, status: 'Used', transactionId: started.transactionId }]);
  });

  it('a start by another card of the reservation\'s parent idTag ends it', async () => {
    const cp = await accepting();
    const [parent, reserved, sibling] = [uniqueTag('FLEET'), uniqueTag('CARD-A'), uniqueTag('CARD-B')];
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${sibling}`, { status: 'Accepted', parentIdTag: parent });
    await reserve(cp, { connectorId: 2, idTag: reserved, parentIdTag: parent.toLowerCase() });
    const started = await send(cp, 'StartTransaction', { connectorId: 2, idTag: sibling, meterStart: 0, timestamp: now() });
    expect(started.idTagInfo).toMatchObject({ status: 'Accepted', parentIdTag: parent });
    expect(await reservations(cp)).toEqual([{ connectorId: 2, idTag: reserved, status: 'Used', transactionId: started.transactionId }]);
  });

  it('a connector-0 reservation ends with the tag\'s start on any connector', async () => {
    const cp = await accepting();
    const idTag = uniqueTag('RSV-ZERO');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    await reserve(cp, { connectorId: 0, idTag });
    const started = await send(cp, 'StartTransaction', { connectorId: 2, idTag, meterStart: 0, timestamp: now() });
    expect(await reservations(cp)).toEqual([{ connectorId: 0, idTag, status: 'Used', transactionId: started.transactionId }]);
  });

  it('a start by another tag, or by the reserved tag on another connector, leaves it held', async () => {
    const cp = await accepting();
    const [idTag, other] = [uniqueTag('RSV-KEEP'), uniqueTag('RSV-OTHER')];
    for (const tag of [idTag, other]) await api(ocpp(), 'PUT', `/api/v1/id-tags/${tag}`, { status: 'Accepted' });
    await reserve(cp, { connectorId: 1, idTag });
    await send(cp, 'StartTransaction', { connectorId: 2, idTag: other, meterStart: 0, timestamp: now() });
    await send(cp, 'StartTransaction', { connectorId: 3, idTag, meterStart: 0, timestamp: now() });
    expect(await reservations(cp)).toEqual([{ connectorId: 1, idTag, status: 'Accepted', transactionId: null }]);
  });

  it('a start the CSMS answers Blocked still ends it: the charger ended the reservation when it started the transaction', async () => {
    const cp = await accepting();
    const idTag = uniqueTag('RSV-BLOCKED');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Blocked' });
    await reserve(cp, { connectorId: 1, idTag });
    const started = await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: now() });
    expect(started.idTagInfo.status).toBe('Blocked');
    expect(await reservations(cp)).toEqual([{ connectorId: 1, idTag, status: 'Used', transactionId: started.transactionId }]);
  });

  it('a start queued offline from before the reservation was requested, or one naming an unknown reservation id, is matched by its tag only when it could have ended it', async () => {
    const cp = await accepting();
    const idTag = uniqueTag('RSV-QUEUED');
    await api(ocpp(), 'PUT', `/api/v1/id-tags/${idTag}`, { status: 'Accepted' });
    await reserve(cp, { connectorId: 0, idTag });
    // Stamped two hours ago: the charger started it long before it got the ReserveNow.
    await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: new Date(Date.now() - 7_200_000).toISOString() });
    expect(await reservations(cp)).toEqual([{ connectorId: 0, idTag, status: 'Accepted', transactionId: null }]);
    // An id we never handed out matches no reservation: the tag decides.
    const started = await send(cp, 'StartTransaction', { connectorId: 2, idTag, meterStart: 0, timestamp: now(), reservationId: 2_000_000_001 });
    expect(await reservations(cp)).toEqual([{ connectorId: 0, idTag, status: 'Used', transactionId: started.transactionId }]);
  });
});
