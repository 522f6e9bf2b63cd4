import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Credentials tokens at rest. `GET credentials` must return our token in plaintext, so tokens are
 * encrypted (AES-256-GCM) rather than hashed, and looked up through an HMAC index (guide §2).
 * In production the secret comes from the KMS-managed environment.
 */
export class TokenVault {
  private readonly hmacKey: Buffer;
  private readonly encKey: Buffer;

  constructor(secret: string) {
    this.hmacKey = createHash('sha256').update(`hmac:${secret}`).digest();
    this.encKey = createHash('sha256').update(`enc:${secret}`).digest();
  }

  /** A new token: URL-safe random, 32 bytes, so a plain token never decodes as another's Base64. */
  newToken(): string {
    return randomBytes(32).toString('base64url');
  }

  index(token: string): string {
    return createHmac('sha256', this.hmacKey).update(token, 'utf8').digest('base64url');
  }

  encrypt(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
