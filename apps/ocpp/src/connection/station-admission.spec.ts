import type { IncomingMessage } from 'node:http';
import { UnavailableError } from '@cpo/platform';
import pino from 'pino';
import type { OcppConfig } from '../config.js';
import { MAX_RUNNING, MAX_WAITING } from '../stations/password-gate.js';
import { PasswordVerifier } from '../stations/password.js';
import type { StationKeysRepository } from '../stations/station-keys.repository.js';
import type { StationAdmission, StationRepository } from '../stations/station.repository.js';
import { StationAdmitter } from './station-admission.js';

const hashOf = (name: string) => `scrypt$16384$8$1$${Buffer.from(name.padEnd(16, '.')).toString('base64')}$${Buffer.alloc(32, 1).toString('base64')}$text`;
const request = (user: string, password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` }, socket: {} }) as unknown as IncomingMessage;
const tick = () => new Promise((r) => setImmediate(r));

describe('StationAdmitter under load and guessing', () => {
  const setup = (kdfHangs: { on: boolean }) => {
    const release: (() => void)[] = [];
    // Only "<id>-key" matches "<id>"'s hashes (the salt names the station).
    const verifier = new PasswordVerifier(async (password, salt) => {
      if (kdfHangs.on) await new Promise<void>((r) => release.push(r));
      return password === `${salt.toString().replace(/\.+$/, '')}-key` ? Buffer.alloc(32, 1) : Buffer.alloc(32);
    });
    let reads = 0;
    const rows = new Map<string, StationAdmission>();
    const stations = {
      admission: async (id: string) => ((reads += 1), rows.get(id)),
    } as unknown as StationRepository;
    const keys = { promotePendingPassword: async (id: string, pending: string) => ({ passwordHash: pending, securityProfile: rows.get(id)!.securityProfile }) } as unknown as StationKeysRepository;
    const config = { OCPP_UNKNOWN_STATION_POLICY: 'reject' } as OcppConfig;
    const admitter = new StationAdmitter(stations, keys, verifier, config, pino({ level: 'silent' }));
    const station = (id: string, extra: Partial<StationAdmission> = {}) =>
      rows.set(id, { id, securityProfile: 1, passwordHash: hashOf(id), pendingPasswordHash: null, earlierPendingPasswordHash: null, ...extra } as StationAdmission);
    return { admitter, verifier, release, station, reads: () => reads };
  };

  it('with the queue full, an unknown password is refused 503 before the station is read; a known one and no credentials still pass', async () => {
    const hangs = { on: false };
    const { admitter, verifier, release, station, reads } = setup(hangs);
    station('CP-known');
    station('CP-open', { securityProfile: 0, passwordHash: null });
    expect((await admitter.admit('CP-known', request('CP-known', 'CP-known-key'))).ok).toBe(true);
    hangs.on = true;
    for (let i = 0; i < MAX_RUNNING + MAX_WAITING; i++) void verifier.verify(hashOf(`CP-${i}`), Buffer.from('guess')).catch(() => undefined);
    await tick();
    const before = reads();
    await expect(admitter.admit('CP-new', request('CP-new', 'CP-new-key'))).rejects.toBeInstanceOf(UnavailableError);
    expect(reads()).toBe(before);
    expect((await admitter.admit('CP-known', request('CP-known', 'CP-known-key'))).ok).toBe(true);
    expect((await admitter.admit('CP-open', { headers: {}, socket: {} } as unknown as IncomingMessage)).ok).toBe(true);
    hangs.on = false;
    while (release.length > 0) {
      release.splice(0).forEach((r) => r());
      await tick();
    }
  });

  it("a guess kept in flight from one address does not turn away the station's charger at another", async () => {
    const hangs = { on: false };
    const { admitter, release, station } = setup(hangs);
    station('CP-v');
    expect(await admitter.admit('CP-v', request('CP-v', 'guess-1'), '198.51.100.66')).toMatchObject({ ok: false, status: 401 });
    hangs.on = true;
    const guess = admitter.admit('CP-v', request('CP-v', 'guess-2'), '198.51.100.66');
    await tick();
    const charger = admitter.admit('CP-v', request('CP-v', 'CP-v-key'), '203.0.113.10').catch((err: unknown) => err);
    // The same address again waits for its own check first.
    await expect(admitter.admit('CP-v', request('CP-v', 'guess-3'), '198.51.100.66')).rejects.toBeInstanceOf(UnavailableError);
    while (release.length > 0) {
      release.splice(0).forEach((r) => r());
      await tick();
    }
    expect(await charger).toMatchObject({ ok: true });
    expect(await guess).toMatchObject({ ok: false, status: 401 });
  });

  it('a pending key is still tried after the current key failed in the same upgrade (its class is read once, before)', async () => {
    const { admitter, station } = setup({ on: false });
    station('CP-rot', { pendingPasswordHash: hashOf('CP-new-rot') });
    const admitted = await admitter.admit('CP-rot', request('CP-rot', 'CP-new-rot-key'));
    expect(admitted.ok && admitted.station.passwordHash).toBe(hashOf('CP-new-rot'));
  });

  it('a guessed identity still admits its right key after failures (it is hashed, not refused unhashed)', async () => {
    const { admitter, station } = setup({ on: false });
    station('CP-g');
    expect(await admitter.admit('CP-g', request('CP-g', 'guess-1'))).toMatchObject({ ok: false, status: 401 });
    // The first two failures are spared (a charger whose keys were just changed tries its old ones first).
    expect(await admitter.admit('CP-g', request('CP-g', 'guess-2'))).toMatchObject({ ok: false, status: 401 });
    expect(await admitter.admit('CP-g', request('CP-g', 'guess-3'))).toMatchObject({ ok: false, status: 401 });
    // The right key is let in at once: refusing it unhashed let a guesser lock the charger out.
    expect(await admitter.admit('CP-g', request('CP-g', 'CP-g-key'))).toMatchObject({ ok: true });
  });
});
