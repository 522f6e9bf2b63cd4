import { connectorCountRefusal, expiredReservationRefusal, managedSlotRefusal, sharedKeyRefusal, type ManagedProfile } from './operator-rules.js';

const set = (connectorId: number, purpose: string, stackLevel: number, chargingProfileId = 7) => ({
  connectorId,
  csChargingProfiles: {
    chargingProfileId, stackLevel, chargingProfilePurpose: purpose, chargingProfileKind: 'Relative',
    ...(purpose === 'TxProfile' ? { transactionId: 5 } : {}),
    chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 32 }] },
  },
});

describe('managedSlotRefusal: an operator profile that would replace, or prevail over, a grid limit on the charger', () => {
  const cap: ManagedProfile = { connectorId: 0, purpose: 'ChargePointMaxProfile', stackLevel: 0 };
  const lease: ManagedProfile = { connectorId: 1, purpose: 'TxDefaultProfile', stackLevel: 1 };
  const refused = (payload: Record<string, unknown>, managed: ManagedProfile[], leases = false) =>
    managedSlotRefusal('SetChargingProfile', payload, managed, leases)?.status === 'error';

  it('refuses the purpose and stack level of a grid limit on its connector, whatever the id', () => {
    expect(refused(set(0, 'ChargePointMaxProfile', 0), [cap])).toBe(true);
    expect(refused(set(1, 'TxDefaultProfile', 1), [lease])).toBe(true);
    // The running transaction's copy of the connector limit (a TxProfile at the same level).
    expect(refused(set(1, 'TxProfile', 1), [lease])).toBe(true);
  });

  it('refuses a connector-0 default over a connector limit, and a connector default over the emulated cap', () => {
    expect(refused(set(0, 'TxDefaultProfile', 1), [lease])).toBe(true);
    expect(refused(set(2, 'TxDefaultProfile', 0), [{ connectorId: 0, purpose: 'TxDefaultProfile', stackLevel: 0 }])).toBe(true);
  });

  it('with leases, the level-0 fallback under a level-1 lease is taken too', () => {
    expect(refused(set(1, 'TxDefaultProfile', 0), [lease], true)).toBe(true);
    expect(refused(set(1, 'TxDefaultProfile', 0), [lease], false)).toBe(false);
  });

  it('refuses a level above a grid limit of the purpose: the highest level prevails (§3.13.2), and keeps prevailing when the limit falls', () => {
    expect(refused(set(1, 'TxDefaultProfile', 2), [lease], true)).toBe(true);
    expect(refused(set(0, 'ChargePointMaxProfile', 1), [cap])).toBe(true);
    expect(refused(set(1, 'TxProfile', 3), [lease])).toBe(true);
    expect(refused(set(0, 'TxDefaultProfile', 2), [lease])).toBe(true);
  });

  it('refuses a TxProfile at any level over a connector limit or the emulated cap: a TxProfile overrides the TxDefaultProfile for its transaction (§3.13.1), levels compare within a purpose only', () => {
    expect(refused(set(1, 'TxProfile', 0), [lease])).toBe(true);
    expect(refused(set(1, 'TxProfile', 0), [{ connectorId: 1, purpose: 'TxDefaultProfile', stackLevel: 0 }])).toBe(true);
    expect(refused(set(2, 'TxProfile', 0), [{ connectorId: 0, purpose: 'TxDefaultProfile', stackLevel: 0 }])).toBe(true);
    expect(refused(set(2, 'TxProfile', 0), [lease])).toBe(false);
    expect(refused(set(1, 'TxProfile', 0), [cap])).toBe(false); // the ChargePointMaxProfile caps it still
  });

  it('lets through lower levels, other purposes and connectors, stations without grid limits, and other actions', () => {
    expect(refused(set(1, 'TxDefaultProfile', 0), [lease])).toBe(false);
    expect(refused(set(0, 'TxDefaultProfile', 0), [cap])).toBe(false);
    expect(refused(set(2, 'TxDefaultProfile', 1), [lease])).toBe(false);
    expect(refused(set(1, 'TxDefaultProfile', 1), [])).toBe(false);
    expect(managedSlotRefusal('Reset', { type: 'Soft' }, [lease], false)).toBeUndefined();
  });

  it("refuses a remote start's TxProfile at the level of its connector's limit (the limit's copy would replace it), on any connector when none is given", () => {
    const start = (stackLevel: number, connectorId?: number) => {
      const { transactionId: _, ...chargingProfile } = set(1, 'TxProfile', stackLevel).csChargingProfiles as Record<string, unknown>;
      return managedSlotRefusal('RemoteStartTransaction', { idTag: 'A', ...(connectorId === undefined ? {} : { connectorId }), chargingProfile }, [lease], false);
    };
    expect(start(1, 1)).toMatchObject({ code: 'Conflict', details: { connectorId: 1, stackLevel: 1 } });
    expect(start(1)).toMatchObject({ description: expect.stringMatching(/on the connector the charger picks/) });
    expect(start(2, 1)).toMatchObject({ code: 'Conflict', details: { connectorId: 1, stackLevel: 2 } });
    // Any level: the remote start's TxProfile overrides the connector's TxDefaultProfile for the session.
    expect(start(0, 1)).toMatchObject({ code: 'Conflict', details: { connectorId: 1, stackLevel: 0 } });
    expect(start(1, 2)).toBeUndefined();
  });

  it('names the level and the connector it would take, and leaves an invalid payload to the 400', () => {
    expect(managedSlotRefusal('SetChargingProfile', set(1, 'TxDefaultProfile', 1), [lease], false)).toMatchObject({
      code: 'Conflict',
      details: { connectorId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1, gridLimitConnectorId: 1 },
    });
    const invalid = set(1, 'TxDefaultProfile', 1);
    (invalid.csChargingProfiles as Record<string, unknown>)['chargingProfileKind'] = 'Sometimes';
    expect(refused(invalid, [lease])).toBe(false);
  });
});

describe('expiredReservationRefusal: a ReserveNow over on arrival, refused before it travels', () => {
  const now = Date.parse('2030-06-01T12:00:00Z');
  it('refuses an expiryDate at or before now as InvalidRequest naming expiryDate, also without a reservationId', () => {
    expect(expiredReservationRefusal('ReserveNow', { connectorId: 1, idTag: 'A', expiryDate: '2030-06-01T12:00:00Z' }, now)).toMatchObject({
      status: 'error',
      code: 'InvalidRequest',
      details: { errors: [expect.objectContaining({ path: '/expiryDate' })] },
    });
    expect(expiredReservationRefusal('ReserveNow', { connectorId: 1, idTag: 'A', expiryDate: '2030-06-01T12:00:01Z' }, now)).toBeUndefined();
    // Other rules stay the executor's, with the schema's full list of fields.
    expect(expiredReservationRefusal('ReserveNow', { connectorId: 2 ** 40, idTag: 'A', expiryDate: '2030-06-01T13:00:00Z' }, now)).toBeUndefined();
    expect(expiredReservationRefusal('CancelReservation', { reservationId: 1, expiryDate: '2020-01-01T00:00:00Z' }, now)).toBeUndefined();
  });
});

describe('sharedKeyRefusal: one AuthorizationKey sent to many stations', () => {
  const key = (name = 'AuthorizationKey') => ({ key: name, value: '00112233445566778899aabbccddeeff' });

  it('refuses it for more than one station (any spelling of the key): one leaked key would open them all', () => {
    expect(sharedKeyRefusal('ChangeConfiguration', key(), ['CP-1', 'CP-2'])).toMatchObject({ status: 'error', code: 'InvalidRequest' });
    expect(sharedKeyRefusal('ChangeConfiguration', key('authorizationkey'), ['CP-1', 'CP-2'])?.status).toBe('error');
    expect(JSON.stringify(sharedKeyRefusal('ChangeConfiguration', key(), ['CP-1', 'CP-2']))).not.toContain(key().value);
  });

  it('lets one station (named once or repeated), other keys and other actions through', () => {
    expect(sharedKeyRefusal('ChangeConfiguration', key(), ['CP-1'])).toBeUndefined();
    expect(sharedKeyRefusal('ChangeConfiguration', key(), ['CP-1', 'CP-1'])).toBeUndefined();
    expect(sharedKeyRefusal('ChangeConfiguration', { key: 'HeartbeatInterval', value: '300' }, ['CP-1', 'CP-2'])).toBeUndefined();
    expect(sharedKeyRefusal('GetConfiguration', { key: ['AuthorizationKey'] }, ['CP-1', 'CP-2'])).toBeUndefined();
  });
});

describe("connectorCountRefusal: a connector beyond the station's NumberOfConnectors", () => {
  it('refuses a connector above the count, naming the field and the count; its own connectors and 0 go', () => {
    const refused = connectorCountRefusal('UnlockConnector', { connectorId: 7 }, 2);
    expect(refused).toMatchObject({ status: 'error', code: 'InvalidRequest', details: { errors: [{ path: '/connectorId', params: { key: 'NumberOfConnectors', limit: 2 } }] } });
    expect(refused?.status === 'error' && refused.description).toBe("/connectorId is 7, beyond the station's 2 connectors (NumberOfConnectors 2, as the station reported)");
    expect(connectorCountRefusal('UnlockConnector', { connectorId: 2 }, 2)).toBeUndefined();
    expect(connectorCountRefusal('ChangeAvailability', { connectorId: 0, type: 'Inoperative' }, 2)).toBeUndefined();
    expect(connectorCountRefusal('RemoteStartTransaction', { idTag: 'T', connectorId: 3 }, 2)).toBeDefined();
  });

  it('leaves an otherwise invalid payload to the executor, whose 400 names every bad field', () => {
    expect(connectorCountRefusal('UnlockConnector', { connectorId: 7, extra: true }, 2)).toBeUndefined();
  });
});

