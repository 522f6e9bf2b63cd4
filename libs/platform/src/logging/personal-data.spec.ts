import { createHash } from 'node:crypto';
import { personalDataRef, urlRedactor } from './personal-data.js';

const ref = (value: string) => `ref:${createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 12)}`;

describe('personalDataRef', () => {
  it('is the first 12 hex digits of the SHA-256 of the lower-cased value (the one-liner docs/ocpp.md gives)', () => {
    expect(personalDataRef('DE*ABC*C12345678*9')).toBe(createHash('sha256').update('de*abc*c12345678*9').digest('hex').slice(0, 12));
    expect(personalDataRef('04A1B2')).toBe(personalDataRef('04a1b2'));
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
