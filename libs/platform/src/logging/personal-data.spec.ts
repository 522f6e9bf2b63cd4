import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { personalDataRef, setPersonalDataKey, urlRedactor } from './personal-data.js';

const ref = (value: string) => `ref:${createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 12)}`;

describe('personalDataRef', () => {
  it('is the first 12 hex digits of the SHA-256 of the lower-cased value (the one-liner docs/ocpp.md gives)', () => {
    expect(personalDataRef('DE*ABC*C12345678*9')).toBe(createHash('sha256').update('de*abc*c12345678*9').digest('hex').slice(0, 12));
    expect(personalDataRef('04A1B2')).toBe(personalDataRef('04a1b2'));
  });
});

describe('personalDataRef under LOG_PERSONAL_DATA_KEY (setPersonalDataKey)', () => {
  const KEY = 'a-log-personal-data-key-of-40-characters';
  afterEach(() => setPersonalDataKey(undefined));

  it('is the first 12 hex digits of the HMAC-SHA256 of the lower-cased value under the key', () => {
    setPersonalDataKey(KEY);
    expect(personalDataRef('04A1B2C3')).toBe(createHmac('sha256', KEY).update('04a1b2c3').digest('hex').slice(0, 12));
    expect(personalDataRef('DE*ABC*C12345678*9')).toBe(createHmac('sha256', KEY).update('de*abc*c12345678*9').digest('hex').slice(0, 12));
    expect(personalDataRef('04a1b2c3')).toBe(personalDataRef('04A1B2C3'));
    expect(personalDataRef('04A1B2C3')).not.toBe(createHash('sha256').update('04a1b2c3').digest('hex').slice(0, 12));
  });

  it('keys the URL refs of the request log too', () => {
    setPersonalDataKey(KEY);
    expect(urlRedactor({ paths: ['/cards/:card'] })('/cards/04A1B2C3')).toBe(`/cards/ref:${createHmac('sha256', KEY).update('04a1b2c3').digest('hex').slice(0, 12)}`);
  });

  it('changes every ref with the key (rotation), and is unkeyed again once reset', () => {
    setPersonalDataKey(KEY);
    const keyed = personalDataRef('04A1B2C3');
    setPersonalDataKey(`${KEY}-rotated`);
    expect(personalDataRef('04A1B2C3')).not.toBe(keyed);
    setPersonalDataKey(undefined);
    expect(personalDataRef('04A1B2C3')).toBe(createHash('sha256').update('04a1b2c3').digest('hex').slice(0, 12));
  });

  it('refuses a key shorter than 32 characters (a guessable key would make the ref as reversible as an unkeyed one)', () => {
    expect(() => setPersonalDataKey('too-short')).toThrow(/32 characters/);
    expect(personalDataRef('04A1B2C3')).toBe(createHash('sha256').update('04a1b2c3').digest('hex').slice(0, 12));
  });
});

describe('the one-liners the docs give operators to find a card\'s lines', () => {
  const KEY = 'a-log-personal-data-key-of-40-characters';
  afterEach(() => setPersonalDataKey(undefined));
  // Each `printf '%s' '<tag>' | …` command of the doc, to the end of its line or code span.
  const oneLiners = (doc: string, command: string) =>
    [...readFileSync(join(process.cwd(), 'docs', doc), 'utf8').matchAll(/printf '%s' '[^']+'[^`\n]*/g)].map((m) => m[0]).filter((line) => line.includes(command));
  const run = (line: string, key?: string) => {
    const out = spawnSync('sh', ['-c', line], { encoding: 'utf8', env: { PATH: process.env.PATH, ...(key === undefined ? {} : { LOG_PERSONAL_DATA_KEY: key }) } });
    expect(out.stderr).toBe('');
    return out.stdout.trim();
  };
  const tagOf = (line: string) => /^printf '%s' '([^']+)'/.exec(line)?.[1] ?? '';

  // openssl is not on every minimal machine the tests run on; where it is missing there is nothing to run the doc's line with.
  const withOpenssl = spawnSync('openssl', ['version']).status === 0 ? it.each(['ocpp.md', 'ocpi-hub.md']) : it.skip.each(['ocpp.md', 'ocpi-hub.md']);
  withOpenssl('%s: the keyed one-liner (openssl, key in $LOG_PERSONAL_DATA_KEY) gives the ref the code writes', (doc) => {
    const lines = oneLiners(doc, 'openssl dgst');
    expect(lines).toHaveLength(1);
    const tag = tagOf(lines[0]!);
    expect(tag).toMatch(/[A-Z]/);
    setPersonalDataKey(KEY);
    expect(run(lines[0]!, KEY)).toBe(personalDataRef(tag));
  });

  it.each(['ocpp.md', 'ocpi-hub.md'])('%s: the unkeyed one-liner (sha256sum) gives the ref the code writes without a key', (doc) => {
    const lines = oneLiners(doc, 'sha256sum');
    expect(lines).toHaveLength(1);
    expect(run(lines[0]!)).toBe(personalDataRef(tagOf(lines[0]!)));
  });
});

describe('urlRedactor', () => {
  const redact = urlRedactor({
    paths: ['/api/v1/id-tags/:idTag', '/ocpi/*/2.1.1/tokens/*/*/:uid', '/ocpi/*/2.1.1/tokens/:uid/authorize'],
    query: ['idTag'],
  });

  it('replaces a personal path segment by its ref and keeps the rest of the URL', () => {
    expect(redact('/api/v1/id-tags/04A1B2C3')).toBe(`/api/v1/id-tags/${ref('04A1B2C3')}`);
    expect(redact('/api/v1/id-tags/04A1B2C3/local-lists?offset=10')).toBe(`/api/v1/id-tags/${ref('04A1B2C3')}/local-lists?offset=10`);
    expect(redact('/ocpi/cpo-face/2.1.1/tokens/NL/ABC/UID-1?type=RFID')).toBe(`/ocpi/cpo-face/2.1.1/tokens/NL/ABC/${ref('UID-1')}?type=RFID`);
    expect(redact('/ocpi/emsp-face/2.1.1/tokens/UID-2/authorize')).toBe(`/ocpi/emsp-face/2.1.1/tokens/${ref('UID-2')}/authorize`);
  });

  it('matches literal segments without case, as Express routes them', () => {
    expect(redact('/API/V1/Id-Tags/04A1B2C3')).toBe(`/API/V1/Id-Tags/${ref('04A1B2C3')}`);
  });

  it('hashes the decoded value: AB%20CD is the tag "AB CD"', () => {
    expect(redact('/api/v1/id-tags/AB%20CD')).toBe(`/api/v1/id-tags/${ref('AB CD')}`);
    expect(redact('/api/v1/transactions?idTag=AB%20CD')).toBe(`/api/v1/transactions?idTag=${ref('AB CD')}`);
    expect(redact('/api/v1/transactions?idTag=AB+CD')).toBe(`/api/v1/transactions?idTag=${ref('AB CD')}`);
  });

  it('replaces personal query parameters, every occurrence, names decoded and compared with case as the query parser does', () => {
    expect(redact('/api/v1/transactions?stationId=CP-1&idTag=04A1&limit=5')).toBe(`/api/v1/transactions?stationId=CP-1&idTag=${ref('04A1')}&limit=5`);
    expect(redact('/api/v1/transactions?idTag=A&idTag=B')).toBe(`/api/v1/transactions?idTag=${ref('A')}&idTag=${ref('B')}`);
    expect(redact('/api/v1/transactions?id%54ag=04A1')).toBe(`/api/v1/transactions?id%54ag=${ref('04A1')}`);
    expect(redact('/api/v1/transactions?IDTAG=04A1')).toBe('/api/v1/transactions?IDTAG=04A1');
    expect(redact('/x?idTag=')).toBe('/x?idTag=');
  });

  it('leaves URLs without personal data unchanged (the same string)', () => {
    for (const url of ['/api/v1/id-tags', '/api/v1/id-tags/', '/api/v1/stations/CP-1?limit=5', '/ocpi/2.2.1/sender/tokens?offset=0', '/', '']) expect(redact(url)).toBe(url);
  });

  it('does not throw on malformed percent-encoding and still hides the value', () => {
    expect(() => redact('/api/v1/id-tags/AB%E0%A4%A')).not.toThrow();
    expect(redact('/api/v1/id-tags/AB%zz')).toBe(`/api/v1/id-tags/${ref('AB%zz')}`);
    expect(redact('/api/v1/transactions?idTag=04%zzA1')).toMatch(/^\/api\/v1\/transactions\?idTag=ref:[0-9a-f]{12}$/);
  });

  it('redacts an absolute-form request target too (Express routes it by its path)', () => {
    expect(redact('http://hub.example/api/v1/id-tags/04A1?idTag=04A1')).toBe(`http://hub.example/api/v1/id-tags/${ref('04A1')}?idTag=${ref('04A1')}`);
  });

  it('is the identity when an app declares nothing', () => {
    expect(urlRedactor({})('/api/v1/id-tags/04A1?idTag=x')).toBe('/api/v1/id-tags/04A1?idTag=x');
  });
});
