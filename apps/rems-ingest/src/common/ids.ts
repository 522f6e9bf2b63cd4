import { randomBytes } from 'node:crypto';

/** Server-generated transceiver id in the guide's shape (`MATA49aac1d1c7`). */
export function newTransceiverId(): string {
  return `MATA${randomBytes(5).toString('hex')}`;
}

/** A 24-hex command id shaped like the guide's ObjectId example: 4 bytes of seconds, 8 random. */
export function newCommandId(now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000).toString(16).padStart(8, '0');
  return `${seconds}${randomBytes(8).toString('hex')}`;
}

/** A device password: 24 random bytes, URL-safe, shown once at registration. */
export function newDevicePassword(): string {
  return randomBytes(24).toString('base64url');
}
