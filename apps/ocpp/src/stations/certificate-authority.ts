// @peculiar/x509 resolves its parsers through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type Algorithm = webcrypto.Algorithm;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** TLS client authentication (RFC 5280): what a charger's certificate is for (security profile 3). */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** Clock skew allowed for in the validity start (a charger's clock may run a little behind ours). */
const BACKDATE_MS = 5 * 60_000;
const CURVES: Record<string, { curve: string; hash: string }> = {
  prime256v1: { curve: 'P-256', hash: 'SHA-256' },
  secp384r1: { curve: 'P-384', hash: 'SHA-384' },
};

/**
 * A certificate serial from 16 random bytes: unique without a counter shared between replicas.
 * The top bit is cleared (a DER INTEGER with it set would be negative) and the next one set, so
 * the first byte is never 0: a zero byte is dropped by DER's minimal encoding and 1 serial in 256
 * came out 15 bytes long (still valid, but not the fixed width operators and tests rely on).
 */
export function certificateSerial(random: Buffer): string {
  const serial = Buffer.from(random.subarray(0, 16));
  serial[0] = (serial[0]! & 0x3f) | 0x40;
  return serial.toString('hex');
}

/** Nest token of the CA (`ChargerCertificateAuthority | null`: null unless OCPP_SIGN_CERTIFICATE=ca). */
export const CERTIFICATE_AUTHORITY = Symbol('CERTIFICATE_AUTHORITY');

export interface CertificateAuthorityOptions {
  /** Validity of an issued certificate, in days. */
  validityDays: number;
  /** When set, a CSR's organisation (O) must equal it: the whitepaper's "O = the CPO name". */
  organization?: string;
}

/** A CSR that passed `check`, ready to be signed. */
export interface CheckedRequest {
  request: x509.Pkcs10CertificateRequest;
  commonName: string;
}

export type CsrCheck = ({ ok: true } & CheckedRequest) | { ok: false; reason: string };

/**
 * Signs chargers' certificate signing requests (SignCertificate, Security Whitepaper ed. 3 §A02/A03)
 * with the CPO's charger sub-CA, for TLS client authentication under security profile 3. The CA's
 * key and certificate come from files (a Kubernetes secret); the issued chain is the charger's
 * certificate followed by the CA's.
 */
export class ChargerCertificateAuthority {
  private constructor(
    private readonly caPem: string,
    private readonly caCert: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
    private readonly signingAlgorithm: Algorithm & { hash?: string },
    private readonly options: CertificateAuthorityOptions,
  ) {}

  /** End of the CA certificate's validity; no certificate is issued beyond it. */
  get notAfter(): Date {
    return this.caCert.notAfter;
  }

  static async fromFiles(certFile: string, keyFile: string, options: CertificateAuthorityOptions): Promise<ChargerCertificateAuthority> {
    return ChargerCertificateAuthority.fromPem(await readFile(certFile, 'utf8'), await readFile(keyFile, 'utf8'), options);
  }

  /** Refuses a certificate that is not a CA, has expired, or does not belong to the key: better at boot than at a charger's first CSR. */
  static async fromPem(certPem: string, keyPem: string, options: CertificateAuthorityOptions): Promise<ChargerCertificateAuthority> {
    const node = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!node.ca) throw new Error('the CA certificate is not a CA (basicConstraints cA is not set)');
    if (new Date(node.validTo).getTime() <= Date.now()) throw new Error(`the CA certificate expired on ${node.validTo}`);
    if (!node.checkPrivateKey(key)) throw new Error('the CA key does not belong to the CA certificate');
    const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
    let importAlg: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
    let signingAlgorithm: Algorithm & { hash?: string };
    if (key.asymmetricKeyType === 'ec') {
      const named = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!named) throw new Error(`the CA key's curve ${key.asymmetricKeyDetails?.namedCurve} is not supported (P-256 or P-384)`);
      importAlg = { name: 'ECDSA', namedCurve: named.curve };
      signingAlgorithm = { name: 'ECDSA', hash: named.hash };
    } else if (key.asymmetricKeyType === 'rsa') {
      importAlg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      signingAlgorithm = { name: 'RSASSA-PKCS1-v1_5' };
    } else {
      throw new Error(`the CA key type ${key.asymmetricKeyType} is not supported (RSA or EC)`);
    }
    const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, importAlg, false, ['sign']);
    const caCert = new x509.X509Certificate(certPem);
    return new ChargerCertificateAuthority(caCert.toString('pem'), caCert, signingKey, signingAlgorithm, options);
  }

  /**
   * Whether the CSR may be signed for a charger known by `names` (its identity and the serial
   * numbers its boot reported): a PEM PKCS#10 request whose signature holds (the charger has the
   * key), an RSA key of at least 2048 bits or an EC key on P-256/P-384, CN one of `names`, and O
   * the CPO's name when one is configured.
   */
  async check(csrPem: string, names: readonly string[]): Promise<CsrCheck> {
    let request: x509.Pkcs10CertificateRequest;
    try {
      request = new x509.Pkcs10CertificateRequest(csrPem.trim());
    } catch {
      return { ok: false, reason: 'not a PEM PKCS#10 certificate signing request' };
    }
    if (!(await request.verify().catch(() => false))) return { ok: false, reason: 'the CSR signature does not verify' };
    const key = request.publicKey.algorithm as Algorithm & { modulusLength?: number; namedCurve?: string };
    const strong = (key.name === 'RSASSA-PKCS1-v1_5' || key.name === 'RSA-PSS') ? (key.modulusLength ?? 0) >= 2048 : key.name === 'ECDSA' && ['P-256', 'P-384'].includes(key.namedCurve ?? '');
    if (!strong) return { ok: false, reason: `key ${key.name} ${key.modulusLength ?? key.namedCurve ?? ''} is too weak or unsupported (RSA ≥ 2048 bits, EC P-256/P-384)` };
    const cn = request.subjectName.getField('CN');
    if (cn.length !== 1 || !names.includes(cn[0]!)) return { ok: false, reason: `CN ${JSON.stringify(cn)} is neither the station's identity nor a serial number it reported` };
    const org = request.subjectName.getField('O');
    if (this.options.organization !== undefined && (org.length !== 1 || org[0] !== this.options.organization)) {
      return { ok: false, reason: `O ${JSON.stringify(org)} is not the CPO's name (${this.options.organization})` };
    }
    return { ok: true, request, commonName: cn[0]! };
  }

  /** The certificate chain (PEM, the charger's certificate first) for CertificateSigned, with the new certificate's serial number and end. */
  async issue(checked: CheckedRequest, now = new Date()): Promise<{ chain: string; serialNumber: string; notAfter: Date }> {
    const serial = certificateSerial(randomBytes(16));
    const notAfter = new Date(now.getTime() + this.options.validityDays * 86_400_000);
    const isEc = checked.request.publicKey.algorithm.name === 'ECDSA';
    // Never beyond the CA's own end: a chain that expires before its leaf fails validation anyway.
    const notAfterCapped = notAfter > this.caCert.notAfter ? this.caCert.notAfter : notAfter;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: checked.request.subject,
      issuer: this.caCert.subject,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: notAfterCapped,
      publicKey: checked.request.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: this.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (isEc ? x509.KeyUsageFlags.keyAgreement : x509.KeyUsageFlags.keyEncipherment), true),
        new x509.ExtendedKeyUsageExtension([CLIENT_AUTH]),
        await x509.AuthorityKeyIdentifierExtension.create(this.caCert),
        await x509.SubjectKeyIdentifierExtension.create(checked.request.publicKey),
      ],
    });
    return { chain: `${cert.toString('pem')}\n${this.caPem}\n`, serialNumber: cert.serialNumber, notAfter: notAfterCapped };
  }
}
