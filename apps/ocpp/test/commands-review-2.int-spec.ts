import type { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import { api, ocppSuite, uniqueStation } from './harness.js';

/** Counts the CALLs of `actions` the charger gets (answering each with `answer`). */
function counting(cp: ChargePoint16, actions: string[], answer: Record<string, unknown> = { status: 'Accepted' }): Record<string, number> {
  const got: Record<string, number> = {};
  for (const action of actions) cp.handle(action as never, () => ((got[action] = (got[action] ?? 0) + 1), answer as never));
  return got;
}

describe('operator commands (second review)', () => {
  const { ocpp, booted, command } = ocppSuite({ OCPP_CALL_TIMEOUT_MS: '1000' });
  const entry = (idTag: string) => ({ idTag, idTagInfo: { status: 'Accepted' } });

  describe('SendLocalList rules are checked before the command travels', () => {
    const duplicate = { listVersion: 3, updateType: 'Full', localAuthorizationList: [entry('LL-A'), entry('ll-a')] };

    it('an offline station gets the 400 naming the field, not 503', async () => {
      const res = await command(uniqueStation('GONE'), 'SendLocalList', duplicate);
      expect(res).toMatchObject({ status: 400, body: { status: 'error', code: 'InvalidRequest' } });
      expect(JSON.stringify(res.body.details)).toContain('/localAuthorizationList/1/idTag');
    });

    it('a bulk command with it is refused whole (400), before any station gets it', async () => {
      const cp = await booted();
      const got = counting(cp, ['SendLocalList']);
      const res = await api(ocpp(), 'POST', '/api/v1/commands/bulk', { stationIds: [cp.identity, uniqueStation('GONE')], action: 'SendLocalList', payload: duplicate });
      expect(res).toMatchObject({ status: 400, body: { message: expect.stringContaining('/localAuthorizationList/1/idTag') } });
      expect(got['SendLocalList']).toBeUndefined();
    });

    it('a Full update entry without idTagInfo (required in a Full list, OCPP 1.6 §6.3) is a 400, never sent', async () => {
      const cp = await booted();
      const got = counting(cp, ['SendLocalList']);
      const res = await command(cp.identity, 'SendLocalList', { listVersion: 4, updateType: 'Full', localAuthorizationList: [entry('LL-B'), { idTag: 'LL-C' }] });
      expect(res).toMatchObject({ status: 400, body: { code: 'InvalidRequest', details: { errors: [expect.objectContaining({ path: '/localAuthorizationList/1/idTagInfo' })] } } });
      expect(got['SendLocalList']).toBeUndefined();
      // In a Differential update the same entry deletes the tag: it goes.
      const diff = await command(cp.identity, 'SendLocalList', { listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'LL-C' }] });
      expect(diff).toMatchObject({ status: 200, body: { status: 'ok' } });
    });
  });
});
