import { api, ocppSuite, RawClient, uniqueStation } from './harness.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'S1' };

/** The next CALL the central system sends this client. */
async function nextCall(client: RawClient, action: string): Promise<string> {
  for (;;) {
    const frame = (await client.next()) as unknown[];
    if (frame[0] === 2 && frame[2] === action) return frame[1] as string;
  }
}

/** Frames real chargers send that OCPP-J does not quite allow: each is answered, none costs a message. */
describe('OCPP-J frame deviations seen in the field', () => {
  const { ocpp } = ocppSuite({ OCPP_CALL_TIMEOUT_MS: '20000' });
  const clients: RawClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  async function open(): Promise<{ id: string; client: RawClient }> {
    const id = uniqueStation();
    const client = await RawClient.open(`${ocpp().wsUrl}/${id}`);
    clients.push(client);
    return { id, client };
  }

  /** A booted charger on a raw socket (the onboarding calls that follow go unanswered). */
  async function booted(): Promise<{ id: string; client: RawClient }> {
    const { id, client } = await open();
    expect(await client.call('BootNotification', BOOT, 'boot')).toEqual([3, 'boot', expect.objectContaining({ status: 'Accepted' })]);
    return { id, client };
  }

  it('a frame behind a byte-order mark is processed', async () => {
    const { client } = await booted();
    client.send('\uFEFF[2,"bom-1","Heartbeat",{}]');
    expect(await client.answer()).toEqual([3, 'bom-1', { currentTime: expect.any(String) }]);
  });

  it('a numeric message id is answered with the same number', async () => {
    const { client } = await booted();
    client.send('[2,77,"Heartbeat",{}]');
    expect(await client.answer()).toEqual([3, 77, { currentTime: expect.any(String) }]);
    client.send('[2,78,"Heartbeat"]');
    expect(await client.answer()).toEqual([4, 78, 'FormationViolation', expect.any(String), {}]);
  });

  it('a CALL without payload is answered with a FormationViolation naming its id', async () => {
    const { client } = await booted();
    client.send('[2,"h3","Heartbeat"]');
    expect(await client.answer()).toEqual([4, 'h3', 'FormationViolation', expect.stringContaining('elements'), {}]);
  });

  it('a StartTransaction under a braced GUID id (38 characters) starts its transaction', async () => {
    const { client } = await booted();
    const guid = '{0f8fad5b-d9cb-469f-a165-70867728950e}';
    const answer = await client.call('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: new Date().toISOString() }, guid);
    expect(answer).toEqual([3, guid, expect.objectContaining({ transactionId: expect.any(Number) })]);
  });

  it.each([
    ['without details', (id: string) => JSON.stringify([4, id, 'NotSupported', 'x'])],
    ['with null details', (id: string) => JSON.stringify([4, id, 'NotSupported', 'x', null])],
    ['with "" details', (id: string) => JSON.stringify([4, id, 'NotSupported', 'x', ''])],
  ])("a charger's CALLERROR %s keeps its code", async (_case, answer) => {
    const { id, client } = await open();
    const reply = api(ocpp(), 'POST', `/api/v1/stations/${id}/commands/ClearCache`, {});
    client.send(answer(await nextCall(client, 'ClearCache')));
    expect((await reply).body).toMatchObject({ status: 'error', code: 'NotSupported', description: 'x' });
  });
});
