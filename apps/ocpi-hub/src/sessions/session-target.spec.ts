import { targetHints } from './session-target.js';

describe('targetHints', () => {
  it('reads reference, token and contract owner from a 2.2.1 session', () => {
    expect(targetHints('2.2.1', { authorization_reference: 'r1', cdr_token: { uid: 'U1', type: 'APP_USER', contract_id: 'DE-XYZ-C1' } })).toEqual({
      authorizationReference: 'r1',
      tokenUid: 'U1',
      tokenType: 'APP_USER',
      contractOwner: { countryCode: 'DE', partyId: 'XYZ' },
    });
  });

  it('uses auth_id and Gireve’s authorization_id on 2.1.1', () => {
    expect(targetHints('2.1.1', { auth_id: 'NLTNM000123', authorization_id: 'g-1' })).toEqual({
      authorizationReference: 'g-1',
      tokenType: 'RFID',
      contractOwner: { countryCode: 'NL', partyId: 'TNM' },
    });
  });
});
