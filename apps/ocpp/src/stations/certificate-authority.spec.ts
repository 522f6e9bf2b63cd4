import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';
import { certificateSerial, ChargerCertificateAuthority } from './certificate-authority.js';

const subtle = webcrypto.subtle;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]) };

async function pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

async function makeCa(opts: { ca?: boolean; days?: number } = {}) {
  const keys = (await subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Charger Sub-CA, O=Test CPO',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + (opts.days ?? 3650) * 86_400_000),
    keys,
    signingAlgorithm: EC,
    extensions: [new x509.BasicConstraintsExtension(opts.ca ?? true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return { certPem: cert.toString('pem'), keyPem: await pem(keys.privateKey), keys };
}

async function csr(name: string, alg: typeof EC | (typeof RSA & { modulusLength: number }) = EC): Promise<string> {
  const keys = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name, keys, signingAlgorithm: alg })).toString('pem');
}

describe('ChargerCertificateAuthority', () => {
  let ca: Awaited<ReturnType<typeof makeCa>>;
  beforeAll(async () => {
    ca = await makeCa();
  });

  it('makes every serial 16 bytes and positive, whatever the random bytes (a zero first byte once came out 15 bytes)', () => {
    for (const first of [0x00, 0x01, 0x3f, 0x7f, 0x80, 0xff]) {
      const random = Buffer.alloc(16, 0xab);
      random[0] = first;
      const serial = certificateSerial(random);
      expect(serial).toMatch(/^[4-7][0-9a-f]{31}$/);
      expect(serial.slice(2)).toBe('ab'.repeat(15));
    }
    expect(certificateSerial(Buffer.alloc(16))).toBe('40' + '00'.repeat(15));
  });

  it('signs a valid CSR for TLS client auth, chained to the CA, with the CSR key and subject', async () => {
    const authority = await ChargerCertificateAuthority.fromPem(ca.certPem, ca.keyPem, { validityDays: 365, organization: 'Test CPO' });
    for (const alg of [EC, { ...RSA, modulusLength: 2048 }]) {
      const request = await csr('CN=CP-0042, O=Test CPO', alg);
      const checked = await authority.check(request, ['CP-0042']);
      if (!checked.ok) throw new Error(checked.reason);
      const now = new Date('2026-12-05T08:00:00Z');
      const issued = await authority.issue(checked, now);
      const [leafPem, caPem] = issued.chain.split(/(?<=-----END CERTIFICATE-----)\n/);
      const leaf = new X509Certificate(leafPem!);
      const root = new X509Certificate(caPem!);
      expect(root.fingerprint256).toBe(new X509Certificate(ca.certPem).fingerprint256);
      expect(leaf.verify(root.publicKey)).toBe(true);
      expect(leaf.checkIssued(root)).toBe(true);
      expect(leaf.subject).toBe('CN=CP-0042\nO=Test CPO');
      expect(leaf.ca).toBe(false);
      expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(Buffer.from(new x509.Pkcs10CertificateRequest(request).publicKey.rawData));
      expect(new Date(leaf.validTo).getTime()).toBe(Math.floor((now.getTime() + 365 * 86_400_000) / 1000) * 1000);
      expect(issued.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
    }
  });

  it('refuses what it must not sign, saying why', async () => {
    const authority = await ChargerCertificateAuthority.fromPem(ca.certPem, ca.keyPem, { validityDays: 365, organization: 'Test CPO' });
    const cases: [Promise<string> | string, RegExp][] = [
      ['-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----', /not a PEM PKCS#10/],
      [csr('CN=CP-9999, O=Test CPO'), /CN \["CP-9999"\] is neither/],
      [csr('CN=CP-0042, O=Other CPO'), /O \["Other CPO"\] is not the CPO's name/],
      [csr('CN=CP-0042, O=Test CPO', { ...RSA, modulusLength: 1024 }), /too weak/],
    ];
    for (const [request, reason] of cases) {
      const checked = await authority.check(await request, ['CP-0042', 'SN-1']);
      expect(checked.ok ? 'signed' : checked.reason).toMatch(reason);
    }
    // A request whose signature does not match its key: the charger does not hold the key.
    const good = new x509.Pkcs10CertificateRequest(await csr('CN=CP-0042, O=Test CPO'));
    const other = new x509.Pkcs10CertificateRequest(await csr('CN=CP-0042, O=Test CPO'));
    const raw = Buffer.from(good.rawData).toString('hex').replace(Buffer.from(good.publicKey.rawData).toString('hex'), Buffer.from(other.publicKey.rawData).toString('hex'));
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(raw, 'hex').toString('base64')}\n-----END CERTIFICATE REQUEST-----`;
    expect(await authority.check(forged, ['CP-0042'])).toEqual({ ok: false, reason: 'the CSR signature does not verify' });
    // Without a configured CPO name any O passes; the serial number a boot reported is a valid CN.
    const open = await ChargerCertificateAuthority.fromPem(ca.certPem, ca.keyPem, { validityDays: 30 });
    expect((await open.check(await csr('CN=SN-1, O=Whoever'), ['CP-0042', 'SN-1'])).ok).toBe(true);
  });

  it('refuses at start a certificate that is no CA, has expired, or is not the key’s', async () => {
    const leafOnly = await makeCa({ ca: false });
    await expect(ChargerCertificateAuthority.fromPem(leafOnly.certPem, leafOnly.keyPem, { validityDays: 1 })).rejects.toThrow(/not a CA/);
    const expired = await makeCa({ days: -0.5 });
    await expect(ChargerCertificateAuthority.fromPem(expired.certPem, expired.keyPem, { validityDays: 1 })).rejects.toThrow(/expired/);
    const other = await makeCa();
    await expect(ChargerCertificateAuthority.fromPem(ca.certPem, other.keyPem, { validityDays: 1 })).rejects.toThrow(/does not belong/);
  });
});
