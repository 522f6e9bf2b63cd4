import { toV211, authorizationReference, bodyOwner } from './backport.js';
import { parseDateTime } from './common.js';
import { sampleEvse221, sampleLocation211, sampleLocation221, sampleToken221 } from './fixtures.js';
import { locationSchema, mergeIntoLocation, pickFromLocation } from './locations.js';
import { contractIdOwner, mostSpecificRefusal, objectSchema } from './modules.js';
import { endpointUrl, hubCredentials, parseCredentials, parseVersionDetails } from './versions.js';

describe('module schemas', () => {
  it('accepts valid Locations of each version and rejects the other version shape', () => {
    expect(locationSchema('2.2.1', 'location').safeParse(sampleLocation221()).success).toBe(true);
    expect(locationSchema('2.1.1', 'location').safeParse(sampleLocation211()).success).toBe(true);
    expect(locationSchema('2.2.1', 'location').safeParse(sampleLocation211()).success).toBe(false);
  });

  it('rejects a Location with a bad last_updated or missing coordinates', () => {
    expect(locationSchema('2.2.1', 'location').safeParse({ ...sampleLocation221(), last_updated: 'yesterday' }).success).toBe(false);
    const { coordinates: _c, ...noCoords } = sampleLocation221();
    expect(locationSchema('2.2.1', 'location').safeParse(noCoords).success).toBe(false);
  });

  it('validates Tokens per version', () => {
    expect(objectSchema('tokens', '2.2.1').safeParse(sampleToken221()).success).toBe(true);
    expect(objectSchema('tokens', '2.1.1').safeParse(sampleToken221()).success).toBe(false);
  });

  it('parses DateTimes with and without a zone designator as UTC', () => {
    expect(parseDateTime('2024-01-01T10:00:00')?.toISOString()).toBe('2024-01-01T10:00:00.000Z');
    expect(parseDateTime('2024-01-01T10:00:00.5Z')?.toISOString()).toBe('2024-01-01T10:00:00.500Z');
    expect(parseDateTime('2024-01-01T10:00:00+02:00')).toBeUndefined();
  });
});

describe('location tree merge', () => {
  it('merges an EVSE PUT and takes the parent last_updated from the child, verbatim', () => {
    const loc = sampleLocation221();
    const evse = sampleEvse221('9999', '2024-07-01T00:00:00Z');
    const r = mergeIntoLocation(loc, { evseUid: '9999' }, evse, 'put');
    if (!r.ok) throw new Error(r.reason);
    expect((r.location.evses as unknown[]).length).toBe(2);
    expect(r.location.last_updated).toBe('2024-07-01T00:00:00Z');
    expect(loc.last_updated).toBe('2024-06-29T20:39:09Z');
  });

  it('patches a connector inside its EVSE and refuses a patch of an unknown one', () => {
    const loc = sampleLocation221();
    const r = mergeIntoLocation(loc, { evseUid: '3256', connectorId: '1' }, { max_amperage: 32, last_updated: '2024-08-01T00:00:00Z' }, 'patch');
    if (!r.ok) throw new Error(r.reason);
    expect(pickFromLocation(r.location, { evseUid: '3256', connectorId: '1' })).toMatchObject({ max_amperage: 32, standard: 'IEC_62196_T2' });
    expect(pickFromLocation(r.location, { evseUid: '3256' })).toMatchObject({ last_updated: '2024-08-01T00:00:00Z' });
    expect(mergeIntoLocation(loc, { evseUid: '3256', connectorId: '7' }, { last_updated: 'x' }, 'patch').ok).toBe(false);
    expect(mergeIntoLocation(loc, { evseUid: 'nope' }, { status: 'CHARGING' }, 'patch').ok).toBe(false);
  });
});

describe('back-port and ids', () => {
  it('adds the owner ids for 2.1.1 receivers, or strips them when extensions are off', () => {
    const owner = { countryCode: 'NL', partyId: 'ABC' };
    expect(toV211(sampleLocation211(), owner, { ownerIdExtensions: true })).toMatchObject({ country_code: 'NL', party_id: 'ABC', id: 'LOC1' });
    const stripped = toV211(sampleLocation221(), owner, { ownerIdExtensions: false });
    expect(stripped).not.toHaveProperty('country_code');
    expect(stripped).not.toHaveProperty('party_id');
  });

  it('reads the body owner and the authorization reference (Gireve name too)', () => {
    expect(bodyOwner({ country_code: 'nl', party_id: 'abc' })).toEqual({ countryCode: 'NL', partyId: 'ABC' });
    expect(bodyOwner({ id: 'x' })).toBeUndefined();
    expect(authorizationReference({ authorization_id: 'ref-1' })).toBe('ref-1');
  });

  it('resolves the eMSP of a contract id with or without separators', () => {
    expect(contractIdOwner('NL-TNM-C12345678-X')).toEqual({ countryCode: 'NL', partyId: 'TNM' });
    expect(contractIdOwner('NLTNM012345')).toEqual({ countryCode: 'NL', partyId: 'TNM' });
    expect(contractIdOwner('12')).toBeUndefined();
  });

  it('picks the most specific refusal', () => {
    expect(mostSpecificRefusal(['NOT_ALLOWED', 'EXPIRED'])).toBe('EXPIRED');
    expect(mostSpecificRefusal(['NOT_ALLOWED', 'BLOCKED', 'NO_CREDIT'])).toBe('BLOCKED');
    expect(mostSpecificRefusal([])).toBeUndefined();
  });
});

describe('versions and credentials', () => {
  it('normalises version details and finds endpoints by module and role', () => {
    const r = parseVersionDetails('2.2.1', {
      version: '2.2.1',
      endpoints: [
        { identifier: 'locations', role: 'SENDER', url: 'https://p/loc/sender' },
        { identifier: 'locations', role: 'RECEIVER', url: 'https://p/loc/receiver' },
      ],
    });
    if (!r.ok) throw new Error(r.reason);
    expect(endpointUrl(r.endpoints, 'locations', 'RECEIVER')).toBe('https://p/loc/receiver');
    expect(endpointUrl(r.endpoints, 'tokens')).toBeUndefined();
    expect(parseVersionDetails('2.1.1', { version: '2.2.1', endpoints: [] }).ok).toBe(false);
  });

  it('parses 2.1.1 credentials with the role implied by the face, and 2.2.1 with roles', () => {
    const v211 = parseCredentials('2.1.1', { token: 'b', url: 'https://p/versions', business_details: { name: 'P' }, party_id: 'abc', country_code: 'nl' }, 'CPO');
    expect(v211).toMatchObject({ ok: true, parties: [{ countryCode: 'NL', partyId: 'ABC', role: 'CPO' }] });
    const v221 = parseCredentials('2.2.1', { token: 'b', url: 'https://p/versions', roles: [{ role: 'EMSP', business_details: { name: 'P' }, party_id: 'XYZ', country_code: 'FR' }] }, 'CPO');
    expect(v221).toMatchObject({ ok: true, parties: [{ role: 'EMSP' }] });
    expect(parseCredentials('2.2.1', { token: 'has space', url: 'https://p', roles: [] }, 'CPO').ok).toBe(false);
  });

  it('describes the hub as role HUB on 2.2.1 and as a single party on 2.1.1', () => {
    const hub = { countryCode: 'DE', partyId: 'HUB' };
    expect(hubCredentials('2.2.1', { token: 'c', url: 'u', hub, name: 'Hub' })).toMatchObject({ roles: [{ role: 'HUB', party_id: 'HUB' }] });
    expect(hubCredentials('2.1.1', { token: 'c', url: 'u', hub, name: 'Hub' })).toMatchObject({ party_id: 'HUB', country_code: 'DE' });
  });
});
