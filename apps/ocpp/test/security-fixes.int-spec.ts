import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import * as x509 from '@peculiar/x509';
import type { Req16 } from '@cpo/ocpp-protocol';
import { api, send, startOcpp, uniqueStation, upgradeStatus, type OcppHarness } from './harness.js';

const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const key = '0123456789abcdef0123456789abcdef';
const newKey = 'fedcba9876543210fedcba9876543210';
const basic = (id: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}` });
type Answer = 'Accepted' | 'RebootRequired';

describe('OCPP security fixes', () => {
  let h: OcppHarness;
  /** A replica behind a TLS-terminating proxy (OCPP_TRUST_PROXY_TLS): profile 2 can be served. */
  let tls: OcppHarness;
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_CALL_TIMEOUT_MS: '2000' });
    tls = await startOcpp({ OCPP_UNKNOWN_STATION_POLICY: 'reject', OCPP_CALL_TIMEOUT_MS: '2000', OCPP_TRUST_PROXY_TLS: 'true' });
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await tls.close();
    await h.close();
  });

  /** A registered, booted charger that answers every ChangeConfiguration `answer` and records what it got. */
  async function charger(on: OcppHarness, settings: Record<string, unknown>, answer: () => Answer | Promise<Answer> = () => 'Accepted') {
    const id = uniqueStation('SECFIX');
    expect((await api(on, 'PUT', `/api/v1/stations/${id}`, settings)).status).toBe(201);
    const changes: Req16<'ChangeConfiguration'>[] = [];
    const cp = new ChargePoint16({ identity: id, url: on.wsUrl, reconnect: false, basicAuthKey: settings['password'] as string | undefined });
    cp.handle('ChangeConfiguration', async (req) => {
      changes.push(req);
      return { status: await answer() };
    });
    chargers.push(cp);
    void cp.start();
    await cp.waitOpen();
    await send(cp, 'BootNotification', boot);
    return { id, changes };
  }

  const command = (on: OcppHarness, id: string, payload: Record<string, string>) => api(on, 'POST', `/api/v1/stations/${id}/commands/ChangeConfiguration`, payload);
  const profileOf = async (on: OcppHarness, id: string) => (await api(on, 'GET', `/api/v1/stations/${id}`)).body.security_profile as number;

  it('refuses to raise SecurityProfile on a station without a stored password: it could never reconnect', async () => {
    const { id, changes } = await charger(h, {});
    const refused = await command(h, id, { key: 'SecurityProfile', value: '1' });
    expect(refused.status).toBe(409);
    expect(refused.body.description).toContain('no Basic-auth password');
    expect(changes).toEqual([]);
    expect(await profileOf(h, id)).toBe(0);
  });

  it('refuses to raise SecurityProfile while the only key is a pending AuthorizationKey (RebootRequired)', async () => {
    const { id, changes } = await charger(h, {}, () => 'RebootRequired');
    expect((await command(h, id, { key: 'AuthorizationKey', value: key })).body).toEqual({ status: 'ok', payload: { status: 'RebootRequired' } });
    const refused = await command(h, id, { key: 'securityprofile', value: '1' });
    expect(refused.status).toBe(409);
    expect(refused.body.description).toContain('pending');
    expect(changes.map((c) => c.key)).toEqual(['AuthorizationKey']);
  });

  it('profile 2 needs TLS on the service; a profile is never lowered; 3 (client certificates) is not served', async () => {
    const { id, changes } = await charger(h, { securityProfile: 1, password: key });
    const noTls = await command(h, id, { key: 'SecurityProfile', value: '2' });
    expect(noTls.status).toBe(409);
    expect(noTls.body.description).toContain('needs TLS');
    const lower = await command(h, id, { key: 'SecurityProfile', value: '0' });
    expect(lower.status).toBe(409);
    expect(lower.body.description).toContain('never lowered');
    expect((await command(h, id, { key: 'SecurityProfile', value: '3' })).status).toBe(400);
    expect((await command(h, id, { key: 'SecurityProfile', value: 'high' })).status).toBe(400);
    expect(changes).toEqual([]);
    expect(await profileOf(h, id)).toBe(1);
    // The same profile again changes nothing and may go out.
    expect((await command(h, id, { key: 'SecurityProfile', value: '1' })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
  });

  it('raises a station with a known password to profile 2 where TLS is served', async () => {
    const { id, changes } = await charger(tls, { securityProfile: 1, password: key });
    expect((await command(tls, id, { key: 'SecurityProfile', value: '2' })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(changes).toEqual([{ key: 'SecurityProfile', value: '2' }]);
    expect(await profileOf(tls, id)).toBe(2);
  });

  it('an AuthorizationKey change left unanswered keeps both keys valid: the charger may have taken the new one', async () => {
    // The charger applies the key but its answer never arrives (lost link, reboot): the command times out.
    const { id, changes } = await charger(h, { securityProfile: 1, password: key }, () => new Promise<Answer>(() => undefined));
    expect((await command(h, id, { key: 'AuthorizationKey', value: newKey })).status).toBe(504);
    expect(changes).toHaveLength(1);
    const url = `${h.wsUrl}/${id}`;
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(101);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, newKey))).toBe(101);
    // Its first use retires the old key.
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(401);
  });

  it('a first AuthorizationKey pending on a station without a password is taken into service by its first use', async () => {
    const { id } = await charger(h, {}, () => 'RebootRequired');
    expect((await command(h, id, { key: 'AuthorizationKey', value: newKey })).body).toEqual({ status: 'ok', payload: { status: 'RebootRequired' } });
    const url = `${h.wsUrl}/${id}`;
    // After its reboot the charger authenticates with the new key: from then on the station is secured.
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, newKey))).toBe(101);
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body).toMatchObject({ has_password: true, security_profile: 1 });
    expect(await upgradeStatus(url, 'ocpp1.6')).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, newKey))).toBe(101);
  });

  it('a key Accepted at profile 0 does not lock the charger out: it sends credentials only once SecurityProfile 1 is set (whitepaper order)', async () => {
    const { id } = await charger(h, {});
    const url = `${h.wsUrl}/${id}`;
    expect((await command(h, id, { key: 'AuthorizationKey', value: newKey })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect((await api(h, 'GET', `/api/v1/stations/${id}`)).body).toMatchObject({ has_password: true, security_profile: 0 });
    // Offered credentials must be right even so.
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, key))).toBe(401);
    // A reboot between the two steps: still profile 0, the charger sends no credentials and is let in.
    const rebooted = new ChargePoint16({ identity: id, url: h.wsUrl, reconnect: false });
    rebooted.handle('ChangeConfiguration', () => ({ status: 'Accepted' }));
    chargers.push(rebooted);
    void rebooted.start();
    await rebooted.waitOpen();
    await send(rebooted, 'BootNotification', boot);
    expect((await command(h, id, { key: 'SecurityProfile', value: '1' })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(await upgradeStatus(url, 'ocpp1.6')).toBe(401);
    expect(await upgradeStatus(url, 'ocpp1.6', basic(id, newKey))).toBe(101);
  });

  describe('with the charger CA (OCPP_SIGN_CERTIFICATE=ca)', () => {
    const subtle = webcrypto.subtle;
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    let signing: OcppHarness;
    beforeAll(async () => {
      x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
      const keys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      const ca = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: '01',
        name: 'CN=Test Charger CA',
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 30 * 86_400_000),
        keys,
        signingAlgorithm: alg,
        extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
      });
      const dir = mkdtempSync(join(tmpdir(), 'ocpp-ca-fix-'));
      writeFileSync(join(dir, 'ca.crt'), ca.toString('pem'));
      writeFileSync(join(dir, 'ca.key'), `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')}\n-----END PRIVATE KEY-----\n`);
      signing = await startOcpp({ OCPP_SIGN_CERTIFICATE: 'ca', OCPP_CA_CERT_FILE: join(dir, 'ca.crt'), OCPP_CA_KEY_FILE: join(dir, 'ca.key') });
      rmSync(dir, { recursive: true });
    });
    afterAll(async () => {
      await signing.close();
    });

    const csrFor = async (cn: string) => {
      const keys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      return { csr: (await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: alg })).toString('pem') };
    };
    async function booted(identity: string, serials: { chargePointSerialNumber?: string; chargeBoxSerialNumber?: string }) {
      const cp = new ChargePoint16({ identity, url: signing.wsUrl, reconnect: false });
      cp.handle('CertificateSigned', () => ({ status: 'Accepted' }));
      chargers.push(cp);
      void cp.start();
      await cp.waitOpen();
      await send(cp, 'BootNotification', { ...boot, ...serials });
      return cp;
    }

    it("never certifies a charger under another station's identity or serial number, whatever serial its boot claims", async () => {
      const victim = uniqueStation('VIC');
      const victimSerial = `SN-${victim}`;
      await booted(victim, { chargePointSerialNumber: victimSerial });
      const attacker = await booted(uniqueStation('ATT'), { chargePointSerialNumber: victim, chargeBoxSerialNumber: victimSerial });
      expect(await send(attacker, 'SignCertificate', await csrFor(victim))).toEqual({ status: 'Rejected' });
      expect(await send(attacker, 'SignCertificate', await csrFor(victimSerial))).toEqual({ status: 'Rejected' });
      // Its own identity is still certified.
      expect(await send(attacker, 'SignCertificate', await csrFor(attacker.identity))).toEqual({ status: 'Accepted' });
    });
  });
});
