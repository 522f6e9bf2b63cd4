import { basicCredentials, identityFromPath } from './identity.js';

describe('identityFromPath', () => {
  it.each([
    ['/ocpp/CP-001', { ok: true, stationId: 'CP-001' }],
    ['/ocpp/CP.01*x=y+z|w@v_u?foo=1', { ok: true, stationId: 'CP.01*x=y+z|w@v_u' }],
    ['/ocpp/RDAM%20123', { ok: false, status: 400, reason: expect.any(String) }],
    ['/ocpp/a%3Ab', { ok: false, status: 400, reason: expect.any(String) }],
    ['/ocpp/', { ok: false, status: 400, reason: expect.any(String) }],
    ['/ocpp/a/b', { ok: false, status: 400, reason: expect.any(String) }],
    ['/ocpp/%E0%A4%A', { ok: false, status: 400, reason: expect.any(String) }],
    [`/ocpp/${'x'.repeat(48)}`, { ok: true, stationId: 'x'.repeat(48) }],
    [`/ocpp/${'x'.repeat(49)}`, { ok: false, status: 400, reason: expect.any(String) }],
    ['/other/CP-1', { ok: false, status: 404, reason: expect.any(String) }],
  ])('%s', (url, expected) => {
    expect(identityFromPath(url, '/ocpp', false)).toEqual(expected);
  });

  // Chargers configured with a central-system URL ending in `/` append `/{id}`, or end theirs in `/`.
  it.each([
    ['/ocpp/CP01/', 'CP01'],
    ['/ocpp//CP01', 'CP01'],
    ['/ocpp///CP01', 'CP01'],
    ['/ocpp//CP01/', 'CP01'],
    ['/ocpp/CP01/?x=1', 'CP01'],
    ['/ocpp/RDAM%20123/', 'RDAM%20123'],
  ])('takes %s for the same identity as without the extra slashes', (url, encoded) => {
    expect(identityFromPath(url, '/ocpp', true)).toEqual(identityFromPath(`/ocpp/${encoded}`, '/ocpp', true));
    expect(identityFromPath(url, '/ocpp', true)).toMatchObject({ ok: true });
  });

  it.each(['/ocpp//', '/ocpp///', '/ocpp/CP01//', '/ocpp/a/b/', '/ocpp//a/b', '/ocpp/a//b', '/ocpp/a%2Fb', '/ocpp/CP01%2F', '/ocpp/%2FCP01', '/ocpp/%2F'])(
    'still refuses %s (no identity, another segment, or a / inside the identity)',
    (url) => {
      expect(identityFromPath(url, '/ocpp', false)).toMatchObject({ ok: false, status: 400 });
      expect(identityFromPath(url, '/ocpp', true)).toMatchObject({ ok: false, status: 400 });
    },
  );

  it('admits legacy identities (space) only when enabled, never a colon', () => {
    expect(identityFromPath('/ocpp/RDAM%20123', '/ocpp', true)).toEqual({ ok: true, stationId: 'RDAM 123' });
    expect(identityFromPath('/ocpp/a%3Ab', '/ocpp', true)).toMatchObject({ ok: false, status: 400 });
  });
});

describe('basicCredentials', () => {
  it('splits user and password bytes at the first colon', () => {
    const header = `Basic ${Buffer.from('CP-1:pa:ss').toString('base64')}`;
    expect(basicCredentials(header)).toEqual({ user: 'CP-1', password: Buffer.from('pa:ss') });
    expect(basicCredentials('Bearer abc')).toBeUndefined();
    expect(basicCredentials(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(basicCredentials(undefined)).toBeUndefined();
  });
});
