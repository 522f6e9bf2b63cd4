/** Sample objects for tests of the hub and the protocol lib (shaped after the spec's examples). */

export function sampleLocation221(o: { id?: string; countryCode?: string; partyId?: string; lastUpdated?: string } = {}): Record<string, unknown> {
  const lastUpdated = o.lastUpdated ?? '2024-06-29T20:39:09Z';
  return {
    country_code: o.countryCode ?? 'NL',
    party_id: o.partyId ?? 'ABC',
    id: o.id ?? 'LOC1',
    publish: true,
    name: 'Gent Zuid',
    address: 'F.Rooseveltlaan 3A',
    city: 'Gent',
    postal_code: '9000',
    country: 'BEL',
    coordinates: { latitude: '51.047599', longitude: '3.729944' },
    evses: [sampleEvse221('3256', lastUpdated)],
    time_zone: 'Europe/Brussels',
    last_updated: lastUpdated,
  };
}

export function sampleEvse221(uid: string, lastUpdated = '2024-06-29T20:39:09Z'): Record<string, unknown> {
  return {
    uid,
    evse_id: `BE*BEC*E04${uid}`,
    status: 'AVAILABLE',
    connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'CABLE', power_type: 'AC_3_PHASE', max_voltage: 220, max_amperage: 16, last_updated: lastUpdated }],
    last_updated: lastUpdated,
  };
}

export function sampleLocation211(o: { id?: string; lastUpdated?: string } = {}): Record<string, unknown> {
  const lastUpdated = o.lastUpdated ?? '2024-06-29T20:39:09Z';
  return {
    id: o.id ?? 'LOC1',
    type: 'ON_STREET',
    name: 'Gent Zuid',
    address: 'F.Rooseveltlaan 3A',
    city: 'Gent',
    postal_code: '9000',
    country: 'BEL',
    coordinates: { latitude: '51.047599', longitude: '3.729944' },
    evses: [
      {
        uid: '3256',
        evse_id: 'BE-BEC-E041503001',
        status: 'AVAILABLE',
        connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'CABLE', power_type: 'AC_3_PHASE', voltage: 220, amperage: 16, last_updated: lastUpdated }],
        last_updated: lastUpdated,
      },
    ],
    last_updated: lastUpdated,
  };
}

export function sampleToken221(o: { uid?: string; countryCode?: string; partyId?: string } = {}): Record<string, unknown> {
  return {
    country_code: o.countryCode ?? 'FR',
    party_id: o.partyId ?? 'XYZ',
    uid: o.uid ?? '012345678',
    type: 'RFID',
    contract_id: 'FR-XYZ-C12345678-X',
    issuer: 'XYZ Mobility',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: '2024-07-01T10:00:00Z',
  };
}
