import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TokenRoutesRepository } from '../src/tokens/token-routes.repository.js';
import { startHub, type Hub } from './hub-fixture.js';

/** START_SESSION token routes (ocpi_token_route_command) under concurrent answers. */
describe('token routes of START_SESSION commands', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ OCPI_OWN_CPO_COUNTRY_CODE: 'TW', OCPI_OWN_CPO_PARTY_ID: 'OWN' });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('two refused commands of one token answered at the same time both settle (no deadlock) and give back the route before them', async () => {
    const repo = hub.t.app.get(TokenRoutesRepository);
    const db = hub.t.app.get(DataSource);
    const cpo = { countryCode: 'TW', partyId: 'OWN' };
    const uid = `DL-${randomUUID().slice(0, 8)}`;
    await repo.remember({ cpo, uid, type: 'RFID', emsp: { countryCode: 'FR', partyId: 'BUS' }, authorizationReference: 'rta-ref' });
    const [first, second] = [randomUUID(), randomUUID()];
    for (const commandId of [first, second]) {
      await db.transaction((tx) => repo.rememberCommand({ cpo, uid, type: 'RFID', emsp: { countryCode: 'FR', partyId: 'OLD' }, commandId }, tx));
    }

    // The first answer's consumer holds the token's lock (as settleCommand takes it) when the
    // second answer's consumer starts; the first then goes on.
    let locked!: () => void;
    const lockHeld = new Promise<void>((resolve) => (locked = resolve));
    let proceed!: () => void;
    const go = new Promise<void>((resolve) => (proceed = resolve));
    const settleFirst = db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`ocpi_token_route:${JSON.stringify(['TW', 'OWN', uid, 'RFID'])}`]);
      locked();
      await go;
      await repo.settleCommand(first, false, tx);
    });
    await lockHeld;
    const settleSecond = db.transaction((tx) => repo.settleCommand(second, false, tx));
    await new Promise((resolve) => setTimeout(resolve, 300));
    proceed();
    const outcomes = await Promise.allSettled([settleFirst, settleSecond]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual(['fulfilled', 'fulfilled']);
    expect(await repo.find(cpo, uid, 'RFID')).toMatchObject({ emsp: { countryCode: 'FR', partyId: 'BUS' }, authorizationReference: 'rta-ref' });
    expect(await db.query(`SELECT 1 FROM ocpi_token_route_command WHERE token_uid = $1`, [uid])).toHaveLength(0);
  }, 30_000);

  it('two refused commands give back the route before them in either order of their answers (own-cpo.int-spec answers the first one first)', async () => {
    const repo = hub.t.app.get(TokenRoutesRepository);
    const db = hub.t.app.get(DataSource);
    const cpo = { countryCode: 'TW', partyId: 'OWN' };
    const uid = `RV-${randomUUID().slice(0, 8)}`;
    await repo.remember({ cpo, uid, type: 'RFID', emsp: { countryCode: 'FR', partyId: 'BUS' }, authorizationReference: 'rta-ref' });
    const [first, second] = [randomUUID(), randomUUID()];
    for (const commandId of [first, second]) {
      await db.transaction((tx) => repo.rememberCommand({ cpo, uid, type: 'RFID', emsp: { countryCode: 'FR', partyId: 'OLD' }, commandId }, tx));
    }
    await db.transaction((tx) => repo.settleCommand(second, false, tx));
    // The second one's refusal gives back the first one's route, still pending.
    expect(await repo.find(cpo, uid, 'RFID')).toMatchObject({ emsp: { countryCode: 'FR', partyId: 'OLD' } });
    await db.transaction((tx) => repo.settleCommand(first, false, tx));
    expect(await repo.find(cpo, uid, 'RFID')).toMatchObject({ emsp: { countryCode: 'FR', partyId: 'BUS' }, authorizationReference: 'rta-ref' });
  });
});
