import { randomUUID } from 'node:crypto';
import { OCPI_OWN_COMMAND_TIMEOUT_S, OCPI_TOKEN_AUTHORIZE_SUBJECT, Subjects, type OcpiCommandRequested } from '@cpo/contracts';
import { ConsumerHost, EventPublisher } from '@cpo/messaging';
import { eventually, testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { OCPI_COMMAND_DEADLINE_S } from '../src/roaming/command-deadline.js';
import { api, send, startOcpp, testChargers, type OcppHarness } from './harness.js';

/** Publishes an OCPI command as the hub does (requested `ageMs` ago); returns its id. */
async function command(h: OcppHarness, c: Omit<OcpiCommandRequested, 'commandId' | 'requestedAt'>, ageMs = 0): Promise<string> {
  const commandId = randomUUID();
  await h.app.app.get(EventPublisher).publish(Subjects.OcpiCommandRequested, { commandId, requestedAt: new Date(Date.now() - ageMs).toISOString(), ...c });
  return commandId;
}

async function resultOf(h: OcppHarness, commandId: string, timeoutMs = 15_000): Promise<Record<string, unknown> | undefined> {
  await eventually(() => h.events.of(Subjects.OcpiCommandResult).some((e) => e['commandId'] === commandId), timeoutMs);
  return h.events.of(Subjects.OcpiCommandResult).find((e) => e['commandId'] === commandId);
}

describe('OCPI commands: the deadline the hub announces (review)', () => {
  let h: OcppHarness;
  const chargers = testChargers(() => h);
  beforeAll(async () => {
    h = await startOcpp();
  });
  afterAll(async () => {
    await h.close();
  });

  it('a command past the time ocpp may act within the announced timeout is answered TIMEOUT and never reaches the charger', async () => {
    const unlocks: number[] = [];
    const cp = await chargers.booted(undefined, (c) => c.handle('UnlockConnector', (req) => (unlocks.push(req.connectorId), { status: 'Unlocked' })));
    // Past the announced timeout, and inside it but too late for the result to reach the eMSP in time.
    for (const ageS of [OCPI_OWN_COMMAND_TIMEOUT_S + 1, OCPI_COMMAND_DEADLINE_S + 1]) {
      const id = await command(h, { type: 'UNLOCK_CONNECTOR', stationId: cp.identity, connectorId: 1, parameters: {} }, ageS * 1000);
      expect(await resultOf(h, id)).toMatchObject({ result: 'TIMEOUT' });
    }
    expect(unlocks).toEqual([]);
    // In time, the same command does reach the charger.
    const id = await command(h, { type: 'UNLOCK_CONNECTOR', stationId: cp.identity, connectorId: 1, parameters: {} }, (OCPI_COMMAND_DEADLINE_S - 10) * 1000);
    expect(await resultOf(h, id)).toMatchObject({ result: 'ACCEPTED' });
    expect(unlocks).toEqual([1]);
  });

  it("the session a START_SESSION started is published with the eMSP's authorization_reference (the hub echoes it in Session and CDR)", async () => {
    const cp = await chargers.booted(undefined, (c) => c.handle('RemoteStartTransaction', () => ({ status: 'Accepted' })));
    const idTag = `APP-${randomUUID().slice(0, 8)}`;
    const id = await command(h, { type: 'START_SESSION', stationId: cp.identity, connectorId: 1, authorizationReference: 'emsp-ref-77', parameters: { token: { uid: idTag } } });
    expect(await resultOf(h, id)).toMatchObject({ result: 'ACCEPTED' });
    const { transactionId } = await send(cp, 'StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: new Date().toISOString() });
    await eventually(() => h.events.of(Subjects.OcppTransactionStarted).some((e) => e['transactionId'] === transactionId), 5_000);
    expect(h.events.of(Subjects.OcppTransactionStarted).find((e) => e['transactionId'] === transactionId)).toMatchObject({ idTag, authorizationReference: 'emsp-ref-77' });
  });
});

describe('roaming authorisation: the expiry of an Accepted (review)', () => {
  let h: OcppHarness;
  let nc: NatsConnection;
  const chargers = testChargers(() => h);
  beforeAll(async () => {
    h = await startOcpp();
    nc = await connect({ servers: testServers.nats });
    // A stand-in for ocpi-hub: tokens starting with EMSP- are allowed by their eMSP.
    nc.subscribe(`${h.app.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, {
      callback: (_e, msg) => {
        msg.respond(JSON.stringify({ allowed: msg.json<{ uid: string }>().uid.startsWith('EMSP-') ? 'ALLOWED' : 'NOT_ALLOWED' }));
      },
    });
    await nc.flush();
  });
  afterAll(async () => {
    await nc.close();
    await h.close();
  });

  it("a roaming Accepted expires when our trust in the hub's decision does (15 min), so no charger caches it for ever; a local token keeps its own expiry", async () => {
    const cp = await chargers.booted();
    const before = Date.now();
    const roaming = (await send(cp, 'Authorize', { idTag: `EMSP-${randomUUID().slice(0, 8)}` })).idTagInfo;
    expect(roaming.status).toBe('Accepted');
    const expiresIn = Date.parse(String(roaming.expiryDate)) - before;
    expect(expiresIn).toBeGreaterThanOrEqual(15 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000 + (Date.now() - before) + 1_000);

    const localExpiry = new Date(Date.now() + 86_400_000).toISOString();
    expect((await api(h, 'PUT', '/api/v1/id-tags/LOCAL-EXP', { status: 'Accepted', expiryDate: localExpiry })).status).toBeLessThan(300);
    expect((await send(cp, 'Authorize', { idTag: 'LOCAL-EXP' })).idTagInfo).toEqual({ status: 'Accepted', expiryDate: localExpiry });
  });
});

describe('OCPI commands at a replica shutting down (review)', () => {
  let a: OcppHarness;
  let b: OcppHarness;
  const chargers = testChargers(() => b);
  beforeAll(async () => {
    a = await startOcpp();
    // Replica A only relays the outbox here: the command must be executed by B, the replica that stops.
    await a.app.app.get(ConsumerHost).stopAll();
  });
  afterAll(async () => {
    await a.close();
  });

  it("a command at the charger when the replica stops: the charger's answer during the drain still reaches the bus as its result", async () => {
    b = await startOcpp({}, a);
    let atCharger!: () => void;
    const called = new Promise<void>((resolve) => (atCharger = resolve));
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const unlocks: number[] = [];
    const cp = await chargers.booted(undefined, (c) =>
      c.handle('UnlockConnector', async (req) => {
        unlocks.push(req.connectorId);
        atCharger();
        await answered;
        return { status: 'Unlocked' };
      }),
    );
    const id = await command(b, { type: 'UNLOCK_CONNECTOR', stationId: cp.identity, connectorId: 1, parameters: {} });
    await called;
    // SIGTERM: the charger answers a second into the drain.
    const draining = b.app.app.close();
    setTimeout(answer, 1_000);
    await draining;
    await b.events.close();
    expect(await resultOf(a, id)).toMatchObject({ result: 'ACCEPTED' });
    expect(unlocks).toEqual([1]);
  });
});
