import { ocppCommandSubject, OcppCommandReplyV1 } from '@cpo/contracts';
import { eventually, testServers } from '@cpo/testing';
import { connect } from '@nats-io/transport-node';
import { api, ocppSuite } from '../../test/harness.js';

const later = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('operator commands to a real charger (WebSocket)', () => {
  const { ocpp, booted, command } = ocppSuite();

  it('a ReserveNow that times out still queued behind a call the charger holds was never sent: QueueTimeout 504 without mayHaveActed, reservation Failed', async () => {
    const received: string[] = [];
    const cp = await booted(undefined, (c) => {
      c.handle('Reset', () => (received.push('Reset'), new Promise(() => undefined)));
      c.handle('ReserveNow', () => (received.push('ReserveNow'), { status: 'Accepted' as const }));
    });
    const base = `/api/v1/stations/${cp.identity}/commands`;
    // The station is busy for longer than the ReserveNow waits.
    const busy = api(ocpp(), 'POST', `${base}/Reset?timeoutMs=4000`, { type: 'Soft' });
    await eventually(() => received.includes('Reset'));
    const reserved = await api(ocpp(), 'POST', `${base}/ReserveNow?timeoutMs=1000`, { connectorId: 1, expiryDate: later(3_600_000), idTag: 'TAG-Q' });
    expect(reserved.status).toBe(504);
    expect(reserved.body).toEqual({ status: 'error', code: 'QueueTimeout', description: expect.stringContaining('never sent') });
    const rows: { status: string }[] = await ocpp().db.query(`SELECT status FROM reservations WHERE station_id = $1`, [cp.identity]);
    expect(rows).toEqual([{ status: 'Failed' }]);
    // The Reset in flight that got no answer is the unknown outcome it always was.
    expect(await busy).toMatchObject({ status: 504, body: { code: 'Timeout' } });
    expect(received).toEqual(['Reset']);
  }, 20_000);

  it('a remote start or a reservation for an empty idTag is a 400 naming the field (REST, bulk) and InvalidRequest over the bus; the charger gets nothing', async () => {
    const received: string[] = [];
    const cp = await booted(undefined, (c) => {
      c.handle('RemoteStartTransaction', () => (received.push('RemoteStartTransaction'), { status: 'Accepted' as const }));
      c.handle('ReserveNow', () => (received.push('ReserveNow'), { status: 'Accepted' as const }));
    });
    const errors = [expect.objectContaining({ path: '/idTag', message: expect.stringContaining('must not be empty') })];
    expect(await command(cp.identity, 'RemoteStartTransaction', { idTag: '', connectorId: 1 })).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors } } });
    expect(await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later(3_600_000), idTag: '' })).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors } } });
    const bulk = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity], action: 'RemoteStartTransaction', payload: { idTag: '' } });
    expect(bulk).toMatchObject({ status: 400, body: { details: { errors } } });
    const nc = await connect({ servers: testServers.nats });
    try {
      const reply = await nc.request(`${ocpp().app.prefix}.${ocppCommandSubject(cp.identity)}`, JSON.stringify({ action: 'RemoteStartTransaction', payload: { idTag: '' } }), { timeout: 5000 });
      expect(OcppCommandReplyV1.parse(JSON.parse(new TextDecoder().decode(reply.data)))).toMatchObject({ status: 'error', code: 'InvalidRequest', details: { errors } });
    } finally {
      await nc.close();
    }
    expect(received).toEqual([]);
    // A real tag still goes.
    expect(await command(cp.identity, 'RemoteStartTransaction', { idTag: 'TAG-1', connectorId: 1 })).toMatchObject({ status: 200, body: { payload: { status: 'Accepted' } } });
  });
});
