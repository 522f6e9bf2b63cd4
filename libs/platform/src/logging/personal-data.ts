import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { unescape as unescapeQuery } from 'node:querystring';

/** Shortest LOG_PERSONAL_DATA_KEY accepted: a guessable key would leave the ref as reversible as an unkeyed one. */
export const PERSONAL_DATA_KEY_MIN_LENGTH = 32;

/**
 * The process's LOG_PERSONAL_DATA_KEY, or undefined for unkeyed refs. Module state rather than a
 * parameter: personalDataRef is called from log statements all over the apps (and from the URL
 * redactor), which should not each need the config injected. Set once at boot, from the validated
 * config, by PlatformModule.forRoot; tests set and reset it with setPersonalDataKey.
 */
let refKey: KeyObject | undefined;

/**
 * Keys personalDataRef (undefined: unkeyed again). Called by PlatformModule.forRoot with
 * LOG_PERSONAL_DATA_KEY, so one process has one key; the last call wins.
 */
export function setPersonalDataKey(key: string | undefined): void {
  if (key !== undefined && key.length < PERSONAL_DATA_KEY_MIN_LENGTH) {
    throw new Error(`LOG_PERSONAL_DATA_KEY must be at least ${PERSONAL_DATA_KEY_MIN_LENGTH} characters`);
  }
  // The key's UTF-8 bytes, as `openssl dgst -hmac "$KEY"` takes them (docs/ocpp.md, "Logging").
  refKey = key === undefined ? undefined : createSecretKey(Buffer.from(key, 'utf8'));
}

/**
 * What a log line carries instead of a personal identifier such as a card's UID. In clear it would
 * spread into every log store and backup, kept longer and read by more people than the tables that
 * need it. This pseudonym still lets an operator follow one identifier across lines and find the
 * lines of one they know, by computing the same ref (docs/ocpp.md, "Logging").
 *
 * Lower-cased first: the identifiers this serves (OCPP IdToken, OCPI token uid) are compared without
 * case, and a charger may send `04a1…` one day and `04A1…` the next. Without LOG_PERSONAL_DATA_KEY
 * it is the SHA-256 of that, which anyone can compute without a secret; that also means a short UID
 * (a 4-byte MIFARE UID: 2^32 tries) can be found again by trying every value, so it keeps
 * identifiers out of casual reading and of the log pipeline, not from someone set on reversing them.
 * With the key it is the HMAC-SHA256 under it: only who holds the key can compute or test a ref.
 * 12 hex digits (48 bits) either way: no two of a few million identifiers share one in practice.
 * Computed only for a line about to be written, so its cost stays off the paths that log nothing.
 */
export function personalDataRef(value: string): string {
  const text = value.toLowerCase();
  const digest = refKey === undefined ? createHash('sha256') : createHmac('sha256', refKey);
  return digest.update(text).digest('hex').slice(0, 12);
}

/**
 * Which parts of its request URLs an app knows to hold personal data, so the request log and the
 * error filter write a ref in their place.
 *
 * `paths`: route patterns, compared segment by segment from the start of the path; a segment `:name`
 * holds personal data, `*` is any one segment, others are literals compared without case (Express
 * routes so). A pattern matches every path it is a prefix of, so sub-routes (and 404s below it) are
 * covered too. `query`: names of query parameters holding personal data, compared exactly, as the
 * query parser Express 5 uses ('simple', node:querystring) reads them: decoded, case kept.
 */
export interface PersonalDataInUrls {
  paths?: readonly string[];
  query?: readonly string[];
}

/** A request URL (path and query) with its personal data replaced by refs. */
export type UrlRedactor = (url: string) => string;

/** DI token of the app's UrlRedactor, provided by PlatformModule. */
export const URL_REDACTOR = Symbol('URL_REDACTOR');

export const keepUrl: UrlRedactor = (url) => url;

type Segment = { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'personal' };

/** `scheme://authority` of an absolute-form request target, which Express routes by its path. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/** The `ref:…` written in place of a value that arrived percent-encoded (decoded the app's way). */
function refOf(decoded: string): string {
  return `ref:${personalDataRef(decoded)}`;
}

/** A route parameter as Express decodes it; one it cannot decode (the request gets a 400) is hashed as sent. */
function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // malformed %-sequence: Express answers 400 and the raw text is all there is to hide
  }
}

/** A query name or value as node:querystring decodes it: `+` is a space, bad %-sequences kept. */
function decodeQueryPart(raw: string): string {
  return unescapeQuery(raw.replace(/\+/g, ' '));
}

function compile(pattern: string): Segment[] {
  return pattern
    .split('/')
    .slice(1)
    .map((s): Segment => (s === '*' ? { kind: 'any' } : s.startsWith(':') ? { kind: 'personal' } : { kind: 'literal', text: s.toLowerCase() }));
}

function redactPath(path: string, patterns: readonly Segment[][]): string {
  // segments[0] is the empty string before the leading slash. Matched on the segments as sent, so
  // patterns that overlap neither see each other's refs nor hash a value twice.
  const segments = path.split('/');
  const personal = new Set<number>();
  for (const pattern of patterns) {
    if (segments.length - 1 < pattern.length) continue;
    const matches = pattern.every((p, i) => {
      const s = segments[i + 1]!;
      return p.kind === 'literal' ? s.toLowerCase() === p.text : s !== ''; // Express binds no empty parameter
    });
    if (matches) pattern.forEach((p, i) => p.kind === 'personal' && personal.add(i + 1));
  }
  if (personal.size === 0) return path;
  for (const i of personal) segments[i] = refOf(decodePathSegment(segments[i]!));
  return segments.join('/');
}

function redactQuery(query: string, names: ReadonlySet<string>): string {
  if (names.size === 0) return query;
  let changed = false;
  const pairs = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) return pair;
    if (!names.has(decodeQueryPart(pair.slice(0, eq)))) return pair;
    changed = true;
    return `${pair.slice(0, eq + 1)}${refOf(decodeQueryPart(pair.slice(eq + 1)))}`;
  });
  return changed ? pairs.join('&') : query;
}

/**
 * The app's redactor, compiled once at boot. Called only for a log line about to be written, so its
 * cost (a split and a hash per personal value) is never paid on requests whose line is not logged.
 */
export function urlRedactor(spec: PersonalDataInUrls): UrlRedactor {
  const patterns = (spec.paths ?? []).map(compile);
  const names = new Set(spec.query ?? []);
  if (patterns.length === 0 && names.size === 0) return keepUrl;
  return (url) => {
    const origin = url.startsWith('/') ? '' : (ORIGIN.exec(url)?.[0] ?? '');
    const q = url.indexOf('?', origin.length);
    const path = url.slice(origin.length, q === -1 ? undefined : q);
    const redactedPath = redactPath(path, patterns);
    const redactedQuery = q === -1 ? '' : redactQuery(url.slice(q + 1), names);
    if (redactedPath === path && (q === -1 || redactedQuery === url.slice(q + 1))) return url;
    return `${origin}${redactedPath}${q === -1 ? '' : `?${redactedQuery}`}`;
  };
}
