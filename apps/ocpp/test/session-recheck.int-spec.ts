import { NATS_CONNECTION } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { CommandExecutor } from '../src/commands/command-executor.js';
import { SessionRecheck } from '../src/connection/session-recheck.js';
import { SessionRecheckRepository } from '../src/connection/session-recheck.repository.js';
import { SessionRegistry } from '../src/connection/session-registry.js';
import { StationChanges } from '../src/connection/station-changes.js';
import { hashPassword } from '../src/stations/password.js';
import { api, RawClient, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

/**
 * Operator changes whose `ocpp.session.station-changed` notice the replica holding the socket never got
 * (core NATS is at most once) still reach the live session: the replica compares its sessions
 * with the database after a NATS reconnect and every interval.
 */
describe('OCPP session re-check (a lost station-change notice)', () => {
  let h: OcppHarness;
  /** A second replica of `h`: it holds the chargers, the operator API calls land on `h`. */
  let b: OcppHarness;
  beforeAll(async () => {
    h = await startOcpp();
    b = await startOcpp({}, h);
  });
  afterAll(async () => {
    await b.close();
    await h.close();
  });

  const basic = (id: string, key: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${key}`).toString('base64')}` });
  const put = async (id: string, body: unknown) => expect((await api(h, 'PUT', `/api/v1/stations/${id}`, body)).status).toBeLessThan(300);
  const closeOf = (charger: RawClient, ms = 5_000) => Promise.race([charger.closed, new Promise((resolve) => setTimeout(() => resolve('still open'), ms).unref())]);

  /** A command through `h` that the charger, connected to `b`, answers with `status`: its session is open. */
  async function answers(charger: RawClient, id: string, action: string, payload: unknown, status = 'Accepted') {
    const reply = api(h, 'POST', `/api/v1/stations/${id}/commands/${action}`, payload);
    const call = (await charger.next()) as [number, string, string];
    expect(call[2]).toBe(action);
    charger.send([3, call[1], { status }]);
    expect((await reply).status).toBe(200);
  }

  /** A charger on `b` admitted with `key` under profile 1. */
  async function connectedWith(key: string) {
    const id = uniqueStation('RCHK');
    await put(id, { securityProfile: 1, password: key });
    const charger = await RawClient.open(`${b.wsUrl}/${id}`, 'ocpp1.6', basic(id, key));
    await answers(charger, id, 'ClearCache', {});
    return { id, charger };
  }

  /** `b` stops hearing station changes (as a replica cut off from NATS would) while `during` runs. */
  async function withoutNotices(during: () => Promise<void>) {
    const changes = b.app.app.get(StationChanges);
    await changes.onModuleDestroy();
    try {
      await during();
    } finally {
      changes.onModuleInit();
    }
  }

  it('a password change whose notice was lost closes the session (4002) once the replica is back on NATS', async () => {
    const [oldKey, newKey] = ['recheck-old-0123456789', 'recheck-new-0123456789'];
    const { id, charger } = await connectedWith(oldKey);
    await withoutNotices(async () => {
      await put(id, { password: newKey });
      // The notice is gone: nothing else tells `b`, and the session admitted under the old key stays.
      expect(await closeOf(charger, 1_000)).toBe('still open');
    });
    await b.app.app.get<NatsConnection>(NATS_CONNECTION).reconnect();
    expect(await closeOf(charger)).toEqual({ code: 4002, reason: expect.stringContaining('credentials changed') });
    expect(await upgradeStatus(`${b.wsUrl}/${id}`, 'ocpp1.6', basic(id, oldKey))).toBe(401);
    expect(await upgradeStatus(`${b.wsUrl}/${id}`, 'ocpp1.6', basic(id, newKey))).toBe(101);
  }, 20_000);

  describe('every interval', () => {
    /** A re-check of `b` with a short interval (the replica's own runs every minute). */
    let recheck: SessionRecheck;
    beforeAll(() => {
      const app = b.app.app;
      const [registry, repository, changes, executor] = [app.get(SessionRegistry), app.get(SessionRecheckRepository), app.get(StationChanges), app.get(CommandExecutor)];
      recheck = new SessionRecheck(registry, repository, changes, executor, app.get<NatsConnection>(NATS_CONNECTION), app.get<Logger>(ROOT_LOGGER), { intervalMs: 200 });
      recheck.onModuleInit();
    });
    afterAll(() => recheck.onModuleDestroy());

    it('finds a new password or security profile, and a deleted station, as the lost notice left the database', async () => {
      const key = 'recheck-key-0123456789';
      const [password, profile, deleted, policy] = [await connectedWith(key), await connectedWith(key), await connectedWith(key), await connectedWith(key)];
      // What the operator's PUT and DELETE leave in the database, their notices never sent.
      await b.db.query(`UPDATE stations SET password_hash = $2 WHERE id = $1`, [password.id, await hashPassword('recheck-other-0123456789')]);
      await b.db.query(`UPDATE stations SET security_profile = 2 WHERE id = $1`, [profile.id]);
      await b.db.query(`DELETE FROM stations WHERE id = $1`, [deleted.id]);
      await b.db.query(`UPDATE stations SET validation_policy = 'off' WHERE id = $1`, [policy.id]);
      expect(await closeOf(password.charger)).toMatchObject({ code: 4002 });
      expect(await closeOf(profile.charger)).toMatchObject({ code: 4002 });
      expect(await closeOf(deleted.charger)).toMatchObject({ code: 4001 });
      // The interval's run that closed those may have read before the last UPDATE: one that starts after it has.
      await recheck.recheck('test');
      const registry = b.app.app.get(SessionRegistry);
      expect(registry.holding(policy.id)?.validationPolicy).toBe('off');
      expect(await closeOf(policy.charger, 500)).toBe('still open');
    }, 30_000);

    it('keeps the session whose charger accepted a new key itself, and one whose operator sent the same key again', async () => {
      const key = 'recheck-same-0123456789';
      const { id, charger } = await connectedWith(key);
      await put(id, { password: key });
      await answers(charger, id, 'ChangeConfiguration', { key: 'AuthorizationKey', value: 'recheck-rotated-0123456789' });
      // Several runs of the re-check later, with the new key stored, the session is the same one.
      await recheck.recheck('test');
      expect(await closeOf(charger, 1_000)).toBe('still open');
      await answers(charger, id, 'ClearCache', {});
      charger.close();
    }, 20_000);
  });
});
