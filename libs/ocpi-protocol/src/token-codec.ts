/**
 * The `Authorization: Token …` header in both forms: plain (2.1.1) and Base64 of the UTF-8 token
 * (2.2.1). Inbound the hub tries the raw value first, then its Base64 decoding (guide §2).
 */

export type TokenEncoding = 'plain' | 'base64';

/** A token candidate to look up, with the form it was presented in. */
export interface TokenCandidate {
  token: string;
  encoding: TokenEncoding;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PRINTABLE = /^[\x21-\x7e]+$/;

/** The raw token of an `Authorization: Token <t>` header, or undefined when absent or malformed. */
export function parseAuthorizationHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Token\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** Decodes RFC 4648 Base64 into a UTF-8 string, or undefined if it is not canonical Base64 of printable text. */
export function decodeBase64Token(value: string): string | undefined {
  if (value.length === 0 || value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  // Only canonical encodings: a value that does not round-trip is a plain token that happens to look like Base64.
  if (bytes.toString('base64') !== value) return undefined;
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    const decoded = text.decode(bytes);
    return decoded.length > 0 && PRINTABLE.test(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

/** The values to look up for an inbound header, in order: raw first, then the Base64-decoded form. */
export function tokenCandidates(header: string | undefined): TokenCandidate[] {
  const raw = parseAuthorizationHeader(header);
  if (!raw) return [];
  const out: TokenCandidate[] = [{ token: raw, encoding: 'plain' }];
  const decoded = decodeBase64Token(raw);
  if (decoded !== undefined && decoded !== raw) out.push({ token: decoded, encoding: 'base64' });
  return out;
}

/** The outbound `Authorization` header value for a partner. */
export function authorizationHeader(token: string, encoding: TokenEncoding): string {
  return `Token ${encoding === 'base64' ? Buffer.from(token, 'utf8').toString('base64') : token}`;
}

/** The default outbound encoding of a version when the partner has no flag: 2.2.1 Base64, 2.1.1 plain. */
export function defaultTokenEncoding(version: '2.1.1' | '2.2.1'): TokenEncoding {
  return version === '2.2.1' ? 'base64' : 'plain';
}
