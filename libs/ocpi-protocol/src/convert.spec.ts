import { authorizationInfoTo, commandRequestTo, commandResponseTo, commandResultTo, locationReferencesTo } from './convert-messages.js';
import { convertObject } from './convert-objects.js';
import { sampleLocation211, sampleLocation221, sampleToken221 } from './fixtures.js';
import { locationSchema, type Json } from './locations.js';
import { objectSchema } from './modules.js';

const owner = { countryCode: 'NL', partyId: 'ABC' };
const emsp = { countryCode: 'FR', partyId: 'XYZ' };

describe('2.1.1 ↔ 2.2.1 object conversion', () => {
  it('turns a 2.1.1 Location into a valid 2.2.1 one (connector voltage → max_voltage, type → parking_type, publish)', () => {
    const out = convertObject('locations', '2.1.1', '2.2.1', sampleLocation211(), { owner });
    const connector = ((out.evses as Json[])[0].connectors as Json[])[0];
    expect(connector).toMatchObject({ max_voltage: 220, max_amperage: 16 });
    expect(connector).not.toHaveProperty('voltage');
    expect(out).toMatchObject({ parking_type: 'ON_STREET', publish: true, last_updated: '2024-06-29T20:39:09Z' });
    expect(out).not.toHaveProperty('type');
    expect(locationSchema('2.2.1', 'location').safeParse({ ...out, country_code: 'NL', party_id: 'ABC', time_zone: 'Europe/Brussels' }).success).toBe(true);
  });

  it('turns a 2.2.1 Location into a valid 2.1.1 one, dropping what 2.1.1 cannot say', () => {
    const l: Json = { ...sampleLocation221(), parking_type: 'ALONG_MOTORWAY', publish_allowed_to: [], facilities: ['WIFI', 'BIKE_SHARING'] };
    ((l.evses as Json[])[0] as Json).capabilities = ['RFID_READER', 'CHIP_CARD_SUPPORT'];
    const out = convertObject('locations', '2.2.1', '2.1.1', l, { owner });
    expect(out).toMatchObject({ type: 'OTHER', facilities: ['WIFI'] });
    expect(out).not.toHaveProperty('publish');
    const evse = (out.evses as Json[])[0];
    expect(evse.capabilities).toEqual(['RFID_READER']);
    expect((evse.connectors as Json[])[0]).toMatchObject({ voltage: 220, amperage: 16 });
    expect(locationSchema('2.1.1', 'location').safeParse(out).success).toBe(true);
  });

  it('converts a connector PATCH field by field (tariff_id ↔ tariff_ids) and keeps last_updated verbatim', () => {
    expect(convertObject('locations', '2.1.1', '2.2.1', { tariff_id: 'T1', last_updated: '2024-01-01T00:00:00Z' }, { owner, level: 'connector' })).toEqual({ tariff_ids: ['T1'], last_updated: '2024-01-01T00:00:00Z' });
    expect(convertObject('locations', '2.2.1', '2.1.1', { power_type: 'AC_2_PHASE', max_voltage: 400 }, { owner, level: 'connector' })).toEqual({ power_type: 'AC_1_PHASE', voltage: 400 });
    expect(convertObject('locations', '2.2.1', '2.1.1', { status: 'CHARGING' }, { owner, level: 'evse' })).toEqual({ status: 'CHARGING' });
  });

  it('maps Tokens: contract_id ↔ auth_id, app/ad-hoc types → OTHER', () => {
    const t211 = convertObject('tokens', '2.2.1', '2.1.1', { ...sampleToken221(), type: 'APP_USER', group_id: 'G' }, { owner: emsp });
    expect(t211).toMatchObject({ auth_id: 'FR-XYZ-C12345678-X', type: 'OTHER' });
    expect(t211).not.toHaveProperty('group_id');
    const { country_code: _c, party_id: _p, ...bare } = t211;
    expect(objectSchema('tokens', '2.1.1').safeParse(bare).success).toBe(true);
    const back = convertObject('tokens', '2.1.1', '2.2.1', bare, { owner: emsp });
    expect(objectSchema('tokens', '2.2.1').safeParse(back).success).toBe(true);
  });

  it('turns a 2.2.1 Session into a 2.1.1 one embedding the cached Location (one EVSE, one connector)', () => {
    const s221 = {
      country_code: 'NL', party_id: 'ABC', id: 'S1', start_date_time: '2024-01-01T10:00:00Z', kwh: 3.5, auth_method: 'COMMAND',
      cdr_token: { uid: 'U1', type: 'RFID', contract_id: 'FR-XYZ-1' }, location_id: 'LOC1', evse_uid: '3256', connector_id: '1',
      currency: 'EUR', total_cost: { excl_vat: 1.5, incl_vat: 1.8 }, status: 'ACTIVE', last_updated: '2024-01-01T10:05:00Z',
    };
    const out = convertObject('sessions', '2.2.1', '2.1.1', s221, { owner, location: sampleLocation221() });
    expect(out).toMatchObject({ start_datetime: '2024-01-01T10:00:00Z', auth_id: 'FR-XYZ-1', auth_method: 'AUTH_REQUEST', total_cost: 1.8, location: { id: 'LOC1', type: 'UNKNOWN' } });
    expect(((out.location as Json).evses as Json[])[0].uid).toBe('3256');
    expect(objectSchema('sessions', '2.1.1').safeParse(out).success).toBe(true);
    const back = convertObject('sessions', '2.1.1', '2.2.1', out, { owner });
    expect(back).toMatchObject({ location_id: 'LOC1', evse_uid: '3256', connector_id: '1', start_date_time: '2024-01-01T10:00:00Z', cdr_token: { contract_id: 'FR-XYZ-1' } });
  });

  it('turns CDRs both ways: cdr_location ↔ location, end ↔ stop, Price ↔ number', () => {
    const cdr221 = {
      country_code: 'NL', party_id: 'ABC', id: 'C1', start_date_time: '2024-01-01T10:00:00Z', end_date_time: '2024-01-01T11:00:00Z',
      cdr_token: { uid: 'U1', type: 'RFID', contract_id: 'FR-XYZ-1' }, auth_method: 'AUTH_REQUEST',
      cdr_location: { id: 'LOC1', address: 'a', city: 'c', country: 'BEL', coordinates: { latitude: '51.047599', longitude: '3.729944' }, evse_uid: '3256', evse_id: 'BE*BEC*E1', connector_id: '1', connector_standard: 'IEC_62196_T2', connector_format: 'CABLE', connector_power_type: 'AC_3_PHASE' },
      currency: 'EUR', charging_periods: [{ start_date_time: '2024-01-01T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10 }, { type: 'STATE_OF_CHARGE', volume: 80 }] }],
      total_cost: { excl_vat: 4 }, total_energy: 10, total_time: 1, last_updated: '2024-01-01T11:00:00Z',
    };
    const out = convertObject('cdrs', '2.2.1', '2.1.1', cdr221, { owner, location: sampleLocation221() });
    expect(out).toMatchObject({ stop_date_time: '2024-01-01T11:00:00Z', total_cost: 4, auth_id: 'FR-XYZ-1', location: { id: 'LOC1', evses: [{ uid: '3256', connectors: [{ id: '1', voltage: 220 }] }] } });
    expect((out.charging_periods as Json[])[0].dimensions).toEqual([{ type: 'ENERGY', volume: 10 }]);
    expect(objectSchema('cdrs', '2.1.1').safeParse(out).success).toBe(true);
    const back = convertObject('cdrs', '2.1.1', '2.2.1', out, { owner });
    expect(objectSchema('cdrs', '2.2.1').safeParse(back).success).toBe(true);
    expect(back.cdr_location).toMatchObject({ id: 'LOC1', evse_uid: '3256', connector_id: '1', connector_power_type: 'AC_3_PHASE' });
  });

  describe('the CdrToken of a 2.1.1 auth_id names the eMSP the Session or CDR is delivered to', () => {
    const session211 = { id: 'S1', start_datetime: '2024-01-01T10:00:00Z', kwh: 1, auth_id: 'FR-XYZ-1', auth_method: 'WHITELIST', currency: 'EUR', status: 'ACTIVE', last_updated: '2024-01-01T10:05:00Z' };
    const cdr211 = { id: 'C1', start_date_time: '2024-01-01T10:00:00Z', stop_date_time: '2024-01-01T11:00:00Z', auth_id: 'FR-XYZ-1', auth_method: 'WHITELIST', currency: 'EUR', total_cost: 4, last_updated: '2024-01-01T11:00:00Z' };
    const bare = { uid: 'FR-XYZ-1', type: 'RFID', contract_id: 'FR-XYZ-1' };

    it('takes country_code and party_id from the audience, upper-cased as 2.2.1 stores them', () => {
      for (const audience of [emsp, { countryCode: 'fr', partyId: 'xyz' }]) {
        expect(convertObject('sessions', '2.1.1', '2.2.1', session211, { owner, audience }).cdr_token).toEqual({ country_code: 'FR', party_id: 'XYZ', ...bare });
        expect(convertObject('cdrs', '2.1.1', '2.2.1', cdr211, { owner, audience }).cdr_token).toEqual({ country_code: 'FR', party_id: 'XYZ', ...bare });
      }
    });

    it('invents no party without an audience (unchanged output)', () => {
      expect(convertObject('sessions', '2.1.1', '2.2.1', session211, { owner }).cdr_token).toEqual(bare);
      expect(convertObject('cdrs', '2.1.1', '2.2.1', cdr211, { owner }).cdr_token).toEqual(bare);
    });

    it('leaves a PATCH without auth_id alone, and a 2.2.1 cdr_token as the CPO sent it', () => {
      expect(convertObject('sessions', '2.1.1', '2.2.1', { kwh: 2, last_updated: '2024-01-01T10:10:00Z' }, { owner, audience: emsp })).toEqual({ kwh: 2, last_updated: '2024-01-01T10:10:00Z' });
      const own = { cdr_token: { country_code: 'DE', party_id: 'QQQ', uid: 'U', type: 'RFID', contract_id: 'C' } };
      expect(convertObject('sessions', '2.2.1', '2.2.1', own, { owner, audience: emsp })).toBe(own);
    });
  });
});

describe('2.1.1 ↔ 2.2.1 message conversion', () => {
  it('drops connector_ids towards 2.2.1 eMSPs', () => {
    expect(locationReferencesTo('2.2.1', { location_id: 'L', evse_uids: ['E'], connector_ids: ['1'] })).toEqual({ location_id: 'L', evse_uids: ['E'] });
  });

  it('gives a 2.2.1 CPO the token a 2.1.1 eMSP does not send, and a 2.1.1 CPO no token', () => {
    const fromOld = authorizationInfoTo('2.2.1', '2.1.1', { allowed: 'ALLOWED', authorization_id: 'g-1' }, { emsp, knownToken: { uid: 'U', type: 'RFID', auth_id: 'FR-XYZ-1', issuer: 'x', valid: true, whitelist: 'ALLOWED', last_updated: '2024-01-01T00:00:00Z' }, knownTokenVersion: '2.1.1' });
    expect(fromOld).toMatchObject({ allowed: 'ALLOWED', authorization_reference: 'g-1', token: { country_code: 'FR', party_id: 'XYZ', contract_id: 'FR-XYZ-1' } });
    expect(authorizationInfoTo('2.1.1', '2.2.1', { allowed: 'BLOCKED', token: sampleToken221(), authorization_reference: 'r' }, { emsp })).toEqual({ allowed: 'BLOCKED', authorization_reference: 'r' });
  });

  it('reshapes command requests, answers and results', () => {
    const start = { response_url: 'http://x/cb', token: sampleToken221(), location_id: 'L', evse_uid: 'E', connector_id: '1', authorization_reference: 'r' };
    const to211 = commandRequestTo('2.1.1', '2.2.1', 'START_SESSION', start, emsp);
    expect(to211).toMatchObject({ token: { auth_id: 'FR-XYZ-C12345678-X' }, authorization_reference: 'r' });
    expect(to211).not.toHaveProperty('connector_id');
    expect(to211.token).not.toHaveProperty('country_code');
    expect(commandRequestTo('2.2.1', '2.1.1', 'RESERVE_NOW', { reservation_id: 7, token: { uid: 'U', auth_id: 'A' } }, emsp)).toMatchObject({ reservation_id: '7', token: { country_code: 'FR', contract_id: 'A' } });
    expect(commandResponseTo('2.2.1', { result: 'ACCEPTED' }, 30)).toEqual({ result: 'ACCEPTED', timeout: 30 });
    expect(commandResponseTo('2.1.1', { result: 'ACCEPTED', timeout: 30, message: [] }, 30)).toEqual({ result: 'ACCEPTED' });
    expect(commandResultTo('2.1.1', { result: 'EVSE_OCCUPIED' })).toEqual({ result: 'REJECTED' });
    expect(commandResultTo('2.2.1', { result: 'UNKNOWN_SESSION' })).toMatchObject({ result: 'FAILED' });
  });
});
