import { ocppCommandSubject, OcppCommandReplyV1 } from '@cpo/contracts';
import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { testServers } from '@cpo/testing';
import { connect } from '@nats-io/transport-node';
import { COMMAND_FAILED } from '../src/commands/command-executor.js';
import { api, ocppSuite } from './harness.js';

/** Every CALL the charger receives, as its raw frame: what the central system sent it, whatever the action. */
function callsTo(cp: ChargePoint16): string[] {
  const calls: string[] = [];
  cp.on('frame', (direction: string, text: string) => {
    if (direction === 'in' && text.startsWith('[2,')) calls.push(text);
  });
  return calls;
}

const accepted = { status: 'Accepted' as const };
const profile = (chargingProfileId: number) => ({
  connectorId: 0,
  csChargingProfiles: {
    chargingProfileId,
    stackLevel: 5,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Relative',
    chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] },
  },
});
const ours = (calls: string[]) => calls.filter((c) => /"(SetChargingProfile|RemoteStartTransaction|ReserveNow|SendLocalList|ClearChargingProfile)"/.test(c) || c.includes('\\u0000') || c.includes('2147483648'));

describe('command values the charger would take but we cannot store (H5 #2, #6): refused before sending', () => {
  const { ocpp, booted, command } = ocppSuite();

  it('a chargingProfileId of 2^31 and a NUL in an idTag are 400s naming the field (REST, bulk, bus); the charger receives none of them', async () => {
    const cp = await booted(undefined, (c) => {
      for (const action of ['SetChargingProfile', 'RemoteStartTransaction', 'ReserveNow', 'SendLocalList', 'ClearChargingProfile'] as const) c.handle(action, () => accepted);
    });
    const calls = callsTo(cp);
    const field = (path: string) => ({ status: 'error', code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path, keyword: 'rule' })] } });

    expect(await command(cp.identity, 'SetChargingProfile', profile(2 ** 31))).toMatchObject({ status: 400, body: field('/csChargingProfiles/chargingProfileId') });
    expect(await command(cp.identity, 'ClearChargingProfile', { id: 2 ** 31 })).toMatchObject({ status: 400, body: field('/id') });
    expect(await command(cp.identity, 'RemoteStartTransaction', { connectorId: 2, idTag: 'A\u0000B' })).toMatchObject({ status: 400, body: field('/idTag') });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect(await command(cp.identity, 'ReserveNow', { connectorId: 1, expiryDate: later, idTag: 'A\u0000B' })).toMatchObject({ status: 400, body: field('/idTag') });
    const list = { listVersion: 12, updateType: 'Differential', localAuthorizationList: [{ idTag: 'A\u0000B', idTagInfo: { status: 'Accepted' } }] };
    expect(await command(cp.identity, 'SendLocalList', list)).toMatchObject({ status: 400, body: field('/localAuthorizationList/0/idTag') });
    const bulk = (action: string, payload: unknown, extra: Record<string, unknown> = {}) => api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity], action, payload, ...extra });
    expect(await bulk('SetChargingProfile', profile(2 ** 31))).toMatchObject({ status: 400, body: { details: { errors: [expect.objectContaining({ path: '/csChargingProfiles/chargingProfileId' })] } } });
    expect(await bulk('RemoteStartTransaction', { idTag: 'A\u0000B' })).toMatchObject({ status: 400, body: { details: { errors: [expect.objectContaining({ path: '/idTag' })] } } });
    // Not coerced: `true` was 1 ms (the command sent, then reported Timeout).
    expect(await bulk('ClearChargingProfile', { id: 7 }, { timeoutMs: true })).toMatchObject({ status: 400 });
    expect(await bulk('ClearChargingProfile', { id: 7 }, { timeoutMs: '100' })).toMatchObject({ status: 400 });
    const nc = await connect({ servers: testServers.nats });
    try {
      const reply = await nc.request(`${ocpp().app.prefix}.${ocppCommandSubject(cp.identity)}`, JSON.stringify({ action: 'RemoteStartTransaction', payload: { idTag: 'A\u0000B' } }), { timeout: 5000 });
      expect(OcppCommandReplyV1.parse(JSON.parse(new TextDecoder().decode(reply.data)))).toMatchObject(field('/idTag'));
    } finally {
      await nc.close();
    }
    expect(ours(calls)).toEqual([]);

    // The largest id that fits goes, and is recorded where the operator looks.
    expect(await command(cp.identity, 'SetChargingProfile', profile(2 ** 31 - 1))).toMatchObject({ status: 200, body: { payload: accepted } });
    expect(ours(calls)).toEqual([expect.stringContaining('"chargingProfileId":2147483647')]);
    const shown = await api(ocpp(), 'GET', `/api/v1/stations/${cp.identity}/operator-profiles`);
    expect(shown.body).toEqual([expect.objectContaining({ chargingProfileId: 2 ** 31 - 1 })]);
  });

  it("a command failing on our side is a 500 without the database's text (REST and bulk), and the charger gets nothing", async () => {
    const cp = await booted(undefined, (c) => c.handle('RemoteStartTransaction', () => accepted));
    const calls = callsTo(cp);
    // The remote start's record is written before the CALL goes: make that write fail as PostgreSQL does.
    await ocpp().db.query(`ALTER TABLE remote_starts ADD CONSTRAINT remote_starts_test_refusal CHECK (id_tag <> 'BOOM-TAG')`);
    try {
      const single = await command(cp.identity, 'RemoteStartTransaction', { connectorId: 1, idTag: 'BOOM-TAG' });
      expect(single).toEqual({ status: 500, body: { status: 'error', code: 'CentralSystemError', description: COMMAND_FAILED } });
      const bulk = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity], action: 'RemoteStartTransaction', payload: { connectorId: 1, idTag: 'BOOM-TAG' } });
      expect(bulk).toEqual({ status: 200, body: { results: [{ stationId: cp.identity, status: 'error', code: 'CentralSystemError', description: COMMAND_FAILED }] } });
      for (const body of [single.body, bulk.body]) expect(JSON.stringify(body)).not.toMatch(/constraint|remote_starts|violates|relation/i);
    } finally {
      await ocpp().db.query(`ALTER TABLE remote_starts DROP CONSTRAINT remote_starts_test_refusal`);
    }
    expect(ours(calls)).toEqual([]);
  });
});
