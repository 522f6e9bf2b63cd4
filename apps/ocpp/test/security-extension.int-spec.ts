import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { webcrypto, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChargePoint16 } from '@cpo/ocpp-chargepoint';
import * as x509 from '@peculiar/x509';
import { api, send, startOcpp, uniqueStation, type OcppHarness } from './harness.js';

/** The charger-initiated messages of the 1.6 security extension (Security Whitepaper ed. 3). */
describe('OCPP security extension: charger-initiated messages', () => {
  /** Default settings (OCPP_SIGN_CERTIFICATE=reject); a test that needs others starts its own. */
  let h: OcppHarness;
  const harnesses: OcppHarness[] = [];
  const chargers: ChargePoint16[] = [];
  beforeAll(async () => {
    h = await startOcpp();
    harnesses.push(h);
  });
  afterEach(async () => {
    await Promise.all(chargers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await Promise.all(harnesses.map((h) => h.close()));
  });

  async function booted(h: OcppHarness, boot: Record<string, string> = {}, setup?: (cp: ChargePoint16) => void): Promise<ChargePoint16> {
    const cp = new ChargePoint16({ identity: uniqueStation(), url: h.wsUrl, reconnect: false });
    chargers.push(cp);
    setup?.(cp);
    void cp.start();
    await cp.waitOpen();
    expect((await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1', ...boot })).status).toBe('Accepted');
    return cp;
  }

  it('stores security events, log and signed-firmware progress, and refuses CSRs without a CA (kept for the operator)', async () => {
    const cp = await booted(h);
    const at = '2026-12-05T06:00:00.000Z';
    expect(await send(cp, 'SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: at, techInfo: 'lid opened' })).toEqual({});
    expect(await send(cp, 'SecurityEventNotification', { type: 'VendorDoorAjar', timestamp: at })).toEqual({});
    expect(await send(cp, 'LogStatusNotification', { status: 'Uploading', requestId: 7 })).toEqual({});
    expect(await send(cp, 'SignedFirmwareStatusNotification', { status: 'SignatureVerified', requestId: 8 })).toEqual({});
    expect(await send(cp, 'SignCertificate', { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----' })).toEqual({ status: 'Rejected' });

    const station = (await api(h, 'GET', `/api/v1/stations/${cp.identity}`)).body;
    expect(station).toMatchObject({ log_status: 'Uploading', firmware_status: 'SignatureVerified' });
    const events = (await api(h, 'GET', `/api/v1/stations/${cp.identity}/messages?kind=SecurityEventNotification`)).body.items;
    expect(events.map((m: { payload: { type: string } }) => m.payload.type)).toEqual(['VendorDoorAjar', 'TamperDetectionActivated']);
    expect(events[1].payload).toEqual({ type: 'TamperDetectionActivated', timestamp: at, techInfo: 'lid opened' });
    const kinds = (await api(h, 'GET', `/api/v1/stations/${cp.identity}/messages`)).body.items.map((m: { kind: string }) => m.kind);
    expect(kinds).toEqual(['SignCertificate', 'SignedFirmwareStatusNotification', 'LogStatusNotification', 'SecurityEventNotification', 'SecurityEventNotification']);
    expect((await api(h, 'GET', `/api/v1/stations/${cp.identity}/messages?limit=0`)).status).toBe(400);

    const metrics = await fetch(`${h.app.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ocpp_security_events_total\{type="TamperDetectionActivated",critical="true"[^}]*\} 1\n/);
    expect(metrics).toMatch(/ocpp_security_events_total\{type="other",critical="false"[^}]*\} 1\n/);
  });

  it('lets a Pending station send what an ExtendedTriggerMessage asked for, and nothing else', async () => {
    const id = uniqueStation('PEND');
    await api(h, 'PUT', `/api/v1/stations/${id}`, { registrationStatus: 'Pending' });
    const cp = new ChargePoint16({ identity: id, url: h.wsUrl, reconnect: false });
    chargers.push(cp);
    cp.handle('ExtendedTriggerMessage', () => ({ status: 'Accepted' }));
    void cp.start();
    await cp.waitOpen();
    expect((await send(cp, 'BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'S1' })).status).toBe('Pending');
    const csr = { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIID\n-----END CERTIFICATE REQUEST-----' };
    expect(await cp.call('SignCertificate', csr)).toMatchObject({ code: 'SecurityError' });
    expect((await api(h, 'POST', `/api/v1/stations/${id}/commands/ExtendedTriggerMessage`, { requestedMessage: 'SignChargePointCertificate' })).body).toEqual({ status: 'ok', payload: { status: 'Accepted' } });
    expect(await send(cp, 'SignCertificate', csr)).toEqual({ status: 'Rejected' });
    expect(await cp.call('LogStatusNotification', { status: 'Idle' })).toMatchObject({ code: 'SecurityError' });
  });

  it('accepts a CSR for manual signing when so configured', async () => {
    const manual = await startOcpp({ OCPP_SIGN_CERTIFICATE: 'manual' });
    harnesses.push(manual);
    const cp = await booted(manual);
    const csr = '-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----';
    expect(await send(cp, 'SignCertificate', { csr })).toEqual({ status: 'Accepted' });
    const [kept] = (await api(manual, 'GET', `/api/v1/stations/${cp.identity}/messages?kind=SignCertificate`)).body.items;
    expect(kept.payload).toEqual({ csr });
  });

  it('signs a CSR with the configured CA and sends the chain with CertificateSigned; refuses a CSR for another name', async () => {
    const subtle = webcrypto.subtle;
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const caKeys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const caCert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=Test Charger CA, O=Test CPO',
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 3650 * 86_400_000),
      keys: caKeys,
      signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    const dir = mkdtempSync(join(tmpdir(), 'ocpp-ca-'));
    const keyDer = Buffer.from(await subtle.exportKey('pkcs8', caKeys.privateKey));
    writeFileSync(join(dir, 'ca.crt'), caCert.toString('pem'));
    writeFileSync(join(dir, 'ca.key'), `-----BEGIN PRIVATE KEY-----\n${keyDer.toString('base64')}\n-----END PRIVATE KEY-----\n`);
    const signing = await startOcpp({ OCPP_SIGN_CERTIFICATE: 'ca', OCPP_CA_CERT_FILE: join(dir, 'ca.crt'), OCPP_CA_KEY_FILE: join(dir, 'ca.key'), OCPP_CPO_NAME: 'Test CPO' });
    harnesses.push(signing);
    rmSync(dir, { recursive: true }); // read at start, not needed afterwards

    const received: string[] = [];
    let installed!: () => void;
    const signed = new Promise<void>((resolve) => (installed = resolve));
    const cp = await booted(signing, { chargePointSerialNumber: 'SN-77' }, (c) =>
      c.handle('CertificateSigned', (req: { certificateChain: string }) => {
        received.push(req.certificateChain);
        installed();
        return { status: 'Accepted' };
      }),
    );
    const csrFor = async (name: string) => {
      const keys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
      return (await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: alg })).toString('pem');
    };
    expect(await send(cp, 'SignCertificate', { csr: await csrFor('CN=SN-78, O=Test CPO') })).toEqual({ status: 'Rejected' });
    expect(await send(cp, 'SignCertificate', { csr: await csrFor('CN=SN-77, O=Test CPO') })).toEqual({ status: 'Accepted' });
    await signed;
    expect(received).toHaveLength(1);
    const [leafPem, caPem] = received[0]!.split(/(?<=-----END CERTIFICATE-----)\n/);
    const leaf = new X509Certificate(leafPem!);
    expect(leaf.checkIssued(new X509Certificate(caPem!))).toBe(true);
    expect(leaf.verify(new X509Certificate(caCert.toString('pem')).publicKey)).toBe(true);
    expect(leaf.subject).toBe('CN=SN-77\nO=Test CPO');

    // What was issued is kept, with the charger's answer (it arrives after the CALLRESULT, so wait for it).
    let kept: { payload: Record<string, string> }[] = [];
    for (let i = 0; i < 50 && kept.length === 0; i++) {
      kept = (await api(signing, 'GET', `/api/v1/stations/${cp.identity}/messages?kind=CertificateSigned`)).body.items;
      if (kept.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(kept[0]!.payload).toMatchObject({ commonName: 'SN-77', answer: 'Accepted', serialNumber: leaf.serialNumber.toLowerCase(), certificateChain: received[0] });
    const metrics = await fetch(`${signing.app.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ocpp_charger_certificates_total\{outcome="refused"[^}]*\} 1\n/);
    expect(metrics).toMatch(/ocpp_charger_certificates_total\{outcome="installed"[^}]*\} 1\n/);
    expect(metrics).toMatch(new RegExp(`ocpp_ca_certificate_not_after_seconds(\\{[^}]*\\})? ${Math.floor(caCert.notAfter.getTime() / 1000)}\n`));
  });
});
