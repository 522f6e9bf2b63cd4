import { createHash } from 'node:crypto';

/** Inbound tokens are stored hashed: a database leak must not let anyone call us as the provider. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
