import { OCPI_TOKEN_AUTHORIZE_SUBJECT, OcpiTokenAuthorizeReplyV1, Subjects, type OcppTransactionStarted, type OcppTransactionStopped } from '@cpo/contracts';
import { EventPublisher, MessagingMetrics } from '@cpo/messaging';
import { sampleLocation221 } from '@cpo/ocpi-protocol';
import { eventually, testServers } from '@cpo/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { OwnSessionsService } from '../src/own-cpo/own-sessions.service.js';
import { ok, startFakePartner, type FakePartner } from './fake-partner.js';
import { startHub, type Hub } from './hub-fixture.js';

/**
 * A session a charger queued offline reaches ocpp as StartTransaction and StopTransaction within
 * milliseconds, and the hub consumes starts and stops on separate consumers: the stop may be
 * handled first. The eMSP must still get the Session, its completion and one CDR; a stop no roaming
 * start ever claims (most sessions are not roaming) is kept a while, then pruned, never sent.
 */
describe('own CPO party: a stop handled before its start', () => {
  let hub: Hub;
  let emsp: FakePartner;
  let nc: NatsConnection;
  const station = 'TW-TPE-0077';

  beforeAll(async () => {
    hub = await startHub({ OCPI_OWN_CPO_COUNTRY_CODE: 'TW', OCPI_OWN_CPO_PARTY_ID: 'OWN' });
    emsp = await startFakePartner({ version: '2.2.1', parties: [{ countryCode: 'FR', partyId: 'BUS', role: 'EMSP' }] });
    emsp.on('POST', /\/authorize$/, () => ({ body: ok({ allowed: 'ALLOWED', authorization_reference: 'early-ref' }) }));
    await hub.register(emsp);
    expect((await hub.api('POST', 'agreements', { cpo: { countryCode: 'TW', partyId: 'OWN' }, emsp: { countryCode: 'FR', partyId: 'BUS' } })).status).toBe(201);
    const tariff = { currency: 'TWD', elements: [{ price_components: [{ type: 'ENERGY', price: 10, step_size: 1 }] }], last_updated: '2025-06-01T00:00:00Z' };
    expect((await hub.api('PUT', 'own/tariffs/TE', { tariff })).status).toBe(200);
    const location = sampleLocation221({ id: 'OWN-E', lastUpdated: '2025-06-18T00:00:00Z' });
    (((location.evses as Record<string, unknown>[])[0].connectors as Record<string, unknown>[])[0]).tariff_ids = ['TE'];
    expect((await hub.api('PUT', 'own/locations/OWN-E', { location, evses: [{ evseUid: '3256', stationId: station, connectorId: 1 }] })).status).toBe(200);
    nc = await connect({ servers: testServers.nats });
    const reply = await nc.request(`${hub.t.prefix}.${OCPI_TOKEN_AUTHORIZE_SUBJECT}`, JSON.stringify({ uid: 'RFID-EARLY', tokenType: 'RFID', stationId: station, locationId: 'OWN-E' }), { timeout: 5000 });
    expect(OcpiTokenAuthorizeReplyV1.parse(reply.json())).toMatchObject({ allowed: 'ALLOWED' });
  });
  afterAll(async () => {
    await nc?.close();
    await emsp?.close();
    await hub?.close();
  });

  const db = async <T,>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const publisher = () => hub.t.app.get(EventPublisher);
  const started = (transactionId: number, startedAt: string, extra: Partial<OcppTransactionStarted> = {}) =>
    publisher().publish(Subjects.OcppTransactionStarted, { stationId: station, connectorId: 1, transactionId, idTag: 'RFID-EARLY', meterStartWh: 0, startedAt, ...extra });
  const stopped = (transactionId: number, meterStopWh: number, stoppedAt: string, extra: Partial<OcppTransactionStopped> = {}) =>
    publisher().publish(Subjects.OcppTransactionStopped, { stationId: station, transactionId, meterStopWh, stoppedAt, energyWh: meterStopWh, ...extra });
  /** The event was applied (committed) by the named consumer: the hub's inbox holds it. */
  const handled = async (consumer: string, eventId: string) =>
    eventually(async () => (await db(`SELECT 1 FROM inbox WHERE consumer = $1 AND event_id = $2`, [consumer, eventId])).length > 0);
  const STOPS = 'ocpi-hub-transactions-stopped';
  const STARTS = 'ocpi-hub-transactions-started';
  const path = (id: number) => `/sessions/TW/OWN/${id}`;
  const puts = (id: number) => emsp.calls('sessions', 'PUT').filter((c) => c.path === path(id));
  const patches = (id: number) => emsp.calls('sessions', 'PATCH').filter((c) => c.path === path(id));
  const cdrs = (id: number) => emsp.calls('cdrs', 'POST').filter((c) => (c.body as { id: string }).id === String(id));
  const kept = async () => (await db<{ transaction_id: string }>(`SELECT transaction_id FROM ocpi_own_early_stop ORDER BY transaction_id`)).map((r) => Number(r.transaction_id));

  it('the start then gives the eMSP the Session PUT, its PATCH COMPLETED and one CDR, in that order; a repeated stop or start gives no other', async () => {
    expect(await handled(STOPS, await stopped(30_001, 5_000, '2025-08-01T01:00:00.000Z'))).toBe(true);
    expect(puts(30_001)).toHaveLength(0);
    await started(30_001, '2025-08-01T00:00:00.000Z');
    expect(await eventually(() => cdrs(30_001).length > 0)).toBe(true);

    const [put] = puts(30_001);
    const [patch] = patches(30_001);
    const [cdr] = cdrs(30_001);
    expect(put.body).toMatchObject({ id: '30001', status: 'ACTIVE' });
    expect(patch.body).toMatchObject({ status: 'COMPLETED', kwh: 5, end_date_time: '2025-08-01T01:00:00Z' });
    expect(cdr.body).toMatchObject({ id: '30001', total_energy: 5, total_cost: { excl_vat: 50 } });
    expect(emsp.received.indexOf(put)).toBeLessThan(emsp.received.indexOf(patch));
    expect(emsp.received.indexOf(patch)).toBeLessThan(emsp.received.indexOf(cdr));
    expect(await kept()).not.toContain(30_001);

    // ocpp publishing the stop again (a new event: the inbox does not know it), and the start.
    expect(await handled(STOPS, await stopped(30_001, 5_000, '2025-08-01T01:00:00.000Z'))).toBe(true);
    expect(await handled(STARTS, await started(30_001, '2025-08-01T00:00:00.000Z'))).toBe(true);
    // A later session on the same consumers: once its CDR is sent, anything the repeats caused was too.
    await started(30_002, '2025-08-02T00:00:00.000Z');
    expect(await eventually(() => puts(30_002).length > 0)).toBe(true);
    await stopped(30_002, 1_000, '2025-08-02T01:00:00.000Z');
    expect(await eventually(() => cdrs(30_002).length > 0)).toBe(true);
    expect(cdrs(30_001)).toHaveLength(1);
    expect(patches(30_001)).toHaveLength(1);
    // The repeated start does not reopen the settled Session.
    expect(puts(30_001)).toHaveLength(1);
    expect(await kept()).not.toContain(30_001);
  });

  it('starts and stops published together, whichever is handled first, each give one Session and one CDR', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => 30_201 + i);
    await Promise.all(ids.flatMap((id) => [stopped(id, 2_000, '2025-08-03T01:00:00.000Z'), started(id, '2025-08-03T00:00:00.000Z')]));
    expect(await eventually(() => ids.every((id) => cdrs(id).length > 0), 20_000)).toBe(true);
    for (const id of ids) {
      expect(puts(id)).toHaveLength(1);
      expect(patches(id).map((p) => (p.body as { status?: string }).status)).toEqual(['COMPLETED']);
      expect(cdrs(id)).toHaveLength(1);
    }
    expect((await kept()).filter((id) => ids.includes(id))).toEqual([]);
  });

  /**
   * The two handlers in concurrent database transactions, the first held open after it ran: the
   * second must wait for it and see what it wrote, or each misses the other and the stop is lost.
   */
  async function interleaved<A, B>(first: (tx: EntityManager) => Promise<A>, second: (tx: EntityManager) => Promise<B>): Promise<B> {
    const ds = hub.t.app.get(DataSource);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let ran!: () => void;
    const firstRan = new Promise<void>((r) => (ran = r));
    const one = ds.transaction(async (tx) => {
      await first(tx);
      ran();
      await held;
    });
    await firstRan;
    const two = ds.transaction((tx) => second(tx));
    // Long enough for the second to finish if nothing makes it wait.
    await new Promise((r) => setTimeout(r, 300));
    release();
    await one;
    return two;
  }
  const sessions = () => hub.t.app.get(OwnSessionsService);
  const startOf = (id: number) => ({ stationId: station, connectorId: 1, transactionId: id, idTag: 'RFID-EARLY', meterStartWh: 0, startedAt: '2025-08-05T00:00:00.000Z' });
  const stopOf = (id: number) => ({ stationId: station, transactionId: id, meterStopWh: 4_000, energyWh: 4_000, stoppedAt: '2025-08-05T01:00:00.000Z' });
  const kinds = (out: { method: string; module: string }[]) => out.map((d) => `${d.method} ${d.module}`);

  it("a start handled while the early stop's transaction is still open waits for it, and settles the session", async () => {
    const out = await interleaved(
      (tx) => sessions().stopped(tx, stopOf(30_301), 'c-stop'),
      (tx) => sessions().started(tx, startOf(30_301), 'c-start'),
    );
    expect(kinds(out)).toEqual(['PUT sessions', 'PATCH sessions', 'POST cdrs']);
    expect(out[2].correlationId).toBe('c-stop');
  });

  it("a stop handled while the start's transaction is still open waits for it, and settles the session", async () => {
    const out = await interleaved(
      (tx) => sessions().started(tx, startOf(30_302), 'c-start'),
      (tx) => sessions().stopped(tx, stopOf(30_302), 'c-stop'),
    );
    expect(kinds(out)).toEqual(['PATCH sessions', 'POST cdrs']);
    expect(await kept()).not.toContain(30_302);
  });

  it("a stop batch deadlocked with a concurrent batch over two transactions' locks is retried as a whole, not failed as the stop's own fault (which dead-letters it, a lost CDR)", async () => {
    const [gate, a, b] = [30_401, 30_402, 30_403];
    const key = (id: number) => `hashtextextended('ocpi_own_session:${id}', 0)`;
    const retried = async () => (await hub.t.app.get(MessagingMetrics).consumed.get()).values.find((v) => v.labels.consumer === STOPS && v.labels.outcome === 'retried')?.value ?? 0;
    const before = await retried();
    // Another batch (a start batch, here a plain session) holding b's lock and then asking for a's,
    // while the stop batch [a, b] holds a's and waits for b's. Its deadlock_timeout is the longer,
    // so PostgreSQL aborts the stop batch.
    const other = new pg.Client({ connectionString: hub.t.config.DATABASE_URL });
    await other.connect();
    try {
      await other.query(`SET deadlock_timeout = '10s'`);
      await other.query(`SELECT pg_advisory_lock(${key(gate)}), pg_advisory_lock(${key(b)})`);
      // The stop consumer is held on gate's stop while a's and b's queue behind it: one batch.
      await stopped(gate, 1_000, '2025-08-06T01:00:00.000Z');
      await new Promise((r) => setTimeout(r, 500));
      await stopped(a, 1_000, '2025-08-06T01:00:00.000Z');
      await stopped(b, 1_000, '2025-08-06T01:00:00.000Z');
      await new Promise((r) => setTimeout(r, 500));
      await other.query(`SELECT pg_advisory_unlock(${key(gate)})`);
      await new Promise((r) => setTimeout(r, 500));
      await other.query(`SELECT pg_advisory_lock(${key(a)})`);
    } finally {
      await other.end();
    }
    expect(await eventually(async () => (await kept()).includes(a) && (await kept()).includes(b), 20_000)).toBe(true);
    expect(await retried()).toBe(before);
  });

  it('a stop no roaming start claims (local token, refused start, no start) is kept, never sent, and pruned after a day', async () => {
    expect(await handled(STOPS, await stopped(30_101, 3_000, '2025-08-04T01:00:00.000Z'))).toBe(true);
    expect(await handled(STOPS, await stopped(30_102, 3_000, '2025-08-04T01:00:00.000Z'))).toBe(true);
    expect(await kept()).toEqual(expect.arrayContaining([30_101, 30_102]));
    // A token no eMSP authorised through the hub, and one ocpp refused: no Session claims the stops.
    expect(await handled(STARTS, await started(30_101, '2025-08-04T00:00:00.000Z', { idTag: 'LOCAL-CARD' }))).toBe(true);
    expect(await handled(STARTS, await started(30_102, '2025-08-04T00:00:00.000Z', { idTagStatus: 'Invalid' }))).toBe(true);
    expect(await kept()).toEqual(expect.arrayContaining([30_101, 30_102]));

    await db(`UPDATE ocpi_own_early_stop SET received_at = now() - interval '25 hours' WHERE transaction_id = 30101`);
    // The next stop kept prunes the stale ones.
    expect(await handled(STOPS, await stopped(30_103, 3_000, '2025-08-04T02:00:00.000Z'))).toBe(true);
    const left = await kept();
    expect(left).not.toContain(30_101);
    expect(left).toEqual(expect.arrayContaining([30_102, 30_103]));
    for (const id of [30_101, 30_102, 30_103]) {
      expect(puts(id)).toHaveLength(0);
      expect(patches(id)).toHaveLength(0);
      expect(cdrs(id)).toHaveLength(0);
    }
  });
});
