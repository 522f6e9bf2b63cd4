/** OSCP HTTP header handling: `Authorization: Token …` and request ids. */

export const OSCP_HEADERS = {
  authorization: 'authorization',
  requestId: 'x-request-id',
  correlationId: 'x-correlation-id',
  segmentIndex: 'x-segment-index',
  segmentCount: 'x-segment-count',
} as const;

export type AuthorizationCheck =
  | { ok: true; token: string }
  | { ok: false; status: 401 | 403; message: string };

/**
 * Reads `Authorization: Token <token>`: missing → 401, another scheme or an empty token → 403
 * (OSCP 2.0 and ELMO). Whether the token is known is the caller's check (also 403).
 */
export function readTokenAuthorization(header: string | string[] | undefined): AuthorizationCheck {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return { ok: false, status: 401, message: 'missing Authorization header' };
  const m = /^Token\s+(\S+)\s*$/.exec(value.trim());
  if (!m) return { ok: false, status: 403, message: 'Authorization must use the Token scheme' };
  return { ok: true, token: m[1] };
}

/** The `Authorization` value for a token (`Token <token>`), tolerating a value that already has the scheme. */
export function tokenAuthorization(token: string): string {
  return /^Token\s/.test(token) ? token : `Token ${token}`;
}

/** A request id header value, or `undefined` when missing/blank/too long. */
export function readRequestId(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  return value && value.length <= 256 ? value : undefined;
}

const ELMO_ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** An id shaped like ELMO's: 32 characters from `[0-9A-Z]`. */
export function elmoRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  // 256 % 36 leaves a slight bias; irrelevant for unique ids.
  return Array.from(bytes, (b) => ELMO_ID_ALPHABET[b % ELMO_ID_ALPHABET.length]).join('');
}

/** Our request ids: UUIDv4. */
export function newRequestId(): string {
  return crypto.randomUUID();
}

/** A fresh token for a partner to use when calling us: 32 random bytes, base64url (43 chars). */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
