import { commandRuleViolations } from './command-rules.js';
import { stationLimitsFrom, stationLimitViolations, type StationLimits } from './station-limits.js';

const paths = (action: string, payload: Record<string, unknown>) => commandRuleViolations(action, payload).map((v) => v.path);

const schedule = { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] };
const profile = (extra: Record<string, unknown>) => ({ chargingProfileId: 1, stackLevel: 0, chargingProfileKind: 'Relative', chargingSchedule: schedule, ...extra });

describe('commandRuleViolations', () => {
  it('RemoteStartTransaction: connectorId > 0, a TxProfile without transactionId (guide §2.2)', () => {
    expect(paths('RemoteStartTransaction', { idTag: 'A' })).toEqual([]);
    expect(paths('RemoteStartTransaction', { idTag: 'A', connectorId: 1, chargingProfile: profile({ chargingProfilePurpose: 'TxProfile' }) })).toEqual([]);
    expect(paths('RemoteStartTransaction', { idTag: 'A', connectorId: 0 })).toEqual(['/connectorId']);
    expect(paths('RemoteStartTransaction', { idTag: 'A', connectorId: -3 })).toEqual(['/connectorId']);
    expect(paths('RemoteStartTransaction', { idTag: 'A', chargingProfile: profile({ chargingProfilePurpose: 'TxDefaultProfile' }) })).toEqual(['/chargingProfile/chargingProfilePurpose']);
    expect(paths('RemoteStartTransaction', { idTag: 'A', chargingProfile: profile({ chargingProfilePurpose: 'TxProfile', transactionId: 7 }) })).toEqual(['/chargingProfile/transactionId']);
  });

  it('RemoteStartTransaction and ReserveNow: an empty idTag is refused (the charger would start or hold for no one)', () => {
    expect(paths('RemoteStartTransaction', { idTag: '' })).toEqual(['/idTag']);
    expect(commandRuleViolations('RemoteStartTransaction', { idTag: '' })[0]).toMatchObject({ path: '/idTag', message: expect.stringContaining('empty') });
    expect(paths('ReserveNow', { connectorId: 1, idTag: '', reservationId: 1 })).toEqual(['/idTag']);
    expect(paths('ReserveNow', { connectorId: 1, idTag: 'A', parentIdTag: '', reservationId: 1 })).toEqual(['/parentIdTag']);
    expect(paths('ReserveNow', { connectorId: 1, idTag: 'A', parentIdTag: 'P', reservationId: 1 })).toEqual([]);
    // Other actions with an idTag are the charger's own messages or lists: not these rules'.
    expect(paths('SendLocalList', { listVersion: 1, updateType: 'Differential', localAuthorizationList: [{ idTag: 'A' }] })).toEqual([]);
  });

  it('integers (stored by us or not) must be 32-bit', () => {
    expect(paths('ReserveNow', { connectorId: 1, reservationId: 2_147_483_647 })).toEqual([]);
    expect(paths('ReserveNow', { connectorId: 1, reservationId: 2 ** 40 })).toEqual(['/reservationId']);
    expect(paths('ReserveNow', { connectorId: 2 ** 31, reservationId: -(2 ** 31) - 1 })).toEqual(['/connectorId', '/reservationId']);
    expect(paths('CancelReservation', { reservationId: 2 ** 31 })).toEqual(['/reservationId']);
    expect(paths('SendLocalList', { listVersion: 2 ** 31, updateType: 'Full' })).toEqual(['/listVersion']);
    expect(paths('RemoteStartTransaction', { idTag: 'A', connectorId: 2 ** 31 })).toEqual(['/connectorId']);
    // Not stored by us, but OCPP 1.6's integer is 32-bit: the charger's types hold no more either.
    expect(paths('UnlockConnector', { connectorId: 2 ** 40 })).toEqual(['/connectorId']);
  });

  it('ReserveNow: an expiryDate at or before now is refused, a later one (any zone spelling) is not', () => {
    const now = Date.parse('2030-06-01T12:00:00Z');
    const at = (expiryDate: string) => commandRuleViolations('ReserveNow', { connectorId: 1, idTag: 'A', expiryDate }, now).map((v) => v.path);
    expect(at('2030-06-01T12:00:00Z')).toEqual(['/expiryDate']);
    expect(at('2030-06-01T11:59:59Z')).toEqual(['/expiryDate']);
    expect(at('2030-06-01T13:30:00+02:00')).toEqual(['/expiryDate']);
    expect(at('2030-06-01T12:00:00')).toEqual(['/expiryDate']);
    expect(at('2030-06-01T12:00:01Z')).toEqual([]);
    expect(at('2030-06-01T12:00:01')).toEqual([]);
    // A malformed date is the schema's 400, not this rule's.
    expect(at('tomorrow')).toEqual([]);
  });
});

describe('commandRuleViolations: SendLocalList (OCPP 1.6 §5.10, §5.15, §6.3)', () => {
  const entry = (idTag: string, withInfo = true) => ({ idTag, ...(withInfo ? { idTagInfo: { status: 'Accepted' } } : {}) });
  it('a Full entry needs idTagInfo; a Differential one without it deletes the tag', () => {
    expect(paths('SendLocalList', { listVersion: 2, updateType: 'Full', localAuthorizationList: [entry('A'), entry('B', false)] })).toEqual(['/localAuthorizationList/1/idTagInfo']);
    expect(paths('SendLocalList', { listVersion: 2, updateType: 'Differential', localAuthorizationList: [entry('A'), entry('B', false)] })).toEqual([]);
  });
  it('idTags are unique without case; versions below 1 only for a Full update that empties the list', () => {
    expect(paths('SendLocalList', { listVersion: 2, updateType: 'Differential', localAuthorizationList: [entry('a1'), entry('B'), entry('A1')] })).toEqual(['/localAuthorizationList/2/idTag']);
    expect(paths('SendLocalList', { listVersion: 0, updateType: 'Full' })).toEqual([]);
    expect(paths('SendLocalList', { listVersion: 0, updateType: 'Full', localAuthorizationList: [] })).toEqual([]);
    expect(paths('SendLocalList', { listVersion: 0, updateType: 'Full', localAuthorizationList: [entry('A')] })).toEqual(['/listVersion']);
    expect(paths('SendLocalList', { listVersion: 0, updateType: 'Differential' })).toEqual(['/listVersion']);
    expect(paths('SendLocalList', { listVersion: -1, updateType: 'Full' })).toEqual(['/listVersion']);
    // Moved from local-list.effects.spec.ts with the before-hook these rules made unreachable.
    expect(paths('SendLocalList', { listVersion: 5, updateType: 'Full', localAuthorizationList: [entry('04a2'), entry('04A2')] })).toEqual(['/localAuthorizationList/1/idTag']);
    expect(paths('SendLocalList', { listVersion: 0, updateType: 'Differential', localAuthorizationList: [entry('A')] })).toEqual(['/listVersion']);
    expect(paths('SendLocalList', { listVersion: 1, updateType: 'Differential', localAuthorizationList: [entry('A')] })).toEqual([]);
    expect(paths('SendLocalList', { listVersion: 5, updateType: 'Full', localAuthorizationList: [entry('04a2'), entry('B')] })).toEqual([]);
  });
});

describe('commandRuleViolations: connector ids and what the OCA schema leaves unbounded', () => {
  it('connectorId: 0 (the station) where the action allows it, > 0 for UnlockConnector and TriggerMessage', () => {
    expect(paths('ChangeAvailability', { connectorId: 0, type: 'Operative' })).toEqual([]);
    expect(paths('ChangeAvailability', { connectorId: -1, type: 'Operative' })).toEqual(['/connectorId']);
    expect(paths('UnlockConnector', { connectorId: 0 })).toEqual(['/connectorId']);
    expect(paths('TriggerMessage', { requestedMessage: 'StatusNotification' })).toEqual([]);
    expect(paths('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 0 })).toEqual(['/connectorId']);
    expect(paths('ClearChargingProfile', {})).toEqual([]);
    expect(paths('ClearChargingProfile', { connectorId: -1 })).toEqual(['/connectorId']);
    expect(paths('ReserveNow', { connectorId: 0, reservationId: 1 })).toEqual([]);
  });
  it('GetCompositeSchedule: a positive duration; SetChargingProfile: the station cap on 0, a TxProfile on a connector', () => {
    expect(paths('GetCompositeSchedule', { connectorId: 0, duration: 1 })).toEqual([]);
    expect(paths('GetCompositeSchedule', { connectorId: 0, duration: 0 })).toEqual(['/duration']);
    expect(paths('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile({ chargingProfilePurpose: 'ChargePointMaxProfile' }) })).toEqual([]);
    expect(paths('SetChargingProfile', { connectorId: 2, csChargingProfiles: profile({ chargingProfilePurpose: 'ChargePointMaxProfile' }) })).toEqual(['/csChargingProfiles/chargingProfilePurpose']);
    expect(paths('SetChargingProfile', { connectorId: 2, csChargingProfiles: profile({ chargingProfilePurpose: 'TxProfile' }) })).toEqual([]);
    expect(paths('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile({ chargingProfilePurpose: 'TxProfile' }) })).toEqual(['/csChargingProfiles/chargingProfilePurpose']);
    expect(paths('SetChargingProfile', { connectorId: -1, csChargingProfiles: profile({ chargingProfilePurpose: 'TxDefaultProfile' }) })).toEqual(['/connectorId']);
  });
});

describe('commandRuleViolations: charging profile rules of OCPP 1.6 §7.7, §7.13, §7.14', () => {
  const period = (startPeriod: number) => ({ startPeriod, limit: 16 });
  const at = '2030-06-01T12:00:00Z';
  const tx = (extra: Record<string, unknown>, scheduleExtra: Record<string, unknown> = {}) =>
    profile({ chargingProfilePurpose: 'TxDefaultProfile', ...extra, chargingSchedule: { ...schedule, ...scheduleExtra } });
  const set = (p: Record<string, unknown>) => paths('SetChargingProfile', { connectorId: 1, csChargingProfiles: p });

  it('periods: the first starts at 0, each later one strictly after the one before', () => {
    expect(set(tx({}, { chargingSchedulePeriod: [period(0), period(60), period(120)] }))).toEqual([]);
    expect(set(tx({}, { chargingSchedulePeriod: [period(10), period(60)] }))).toEqual(['/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/0/startPeriod']);
    expect(set(tx({}, { chargingSchedulePeriod: [period(0), period(60), period(60)] }))).toEqual(['/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/2/startPeriod']);
    expect(set(tx({}, { chargingSchedulePeriod: [period(0), period(120), period(60)] }))).toEqual(['/csChargingProfiles/chargingSchedule/chargingSchedulePeriod/2/startPeriod']);
  });

  it('startSchedule: an Absolute or Recurring profile needs one, a Relative one has none', () => {
    expect(set(tx({ chargingProfileKind: 'Absolute' }, { startSchedule: at }))).toEqual([]);
    expect(set(tx({ chargingProfileKind: 'Absolute' }))).toEqual(['/csChargingProfiles/chargingSchedule/startSchedule']);
    expect(set(tx({ chargingProfileKind: 'Recurring', recurrencyKind: 'Daily' }, { startSchedule: at }))).toEqual([]);
    expect(set(tx({ chargingProfileKind: 'Recurring', recurrencyKind: 'Weekly' }))).toEqual(['/csChargingProfiles/chargingSchedule/startSchedule']);
    expect(set(tx({ chargingProfileKind: 'Relative' }, { startSchedule: at }))).toEqual(['/csChargingProfiles/chargingSchedule/startSchedule']);
  });

  it('recurrencyKind: a Recurring profile needs one', () => {
    expect(set(tx({ chargingProfileKind: 'Recurring' }, { startSchedule: at }))).toEqual(['/csChargingProfiles/recurrencyKind']);
  });

  it('stackLevel 0 or more; validTo after validFrom; transactionId only on a TxProfile', () => {
    expect(set(tx({ stackLevel: -1 }))).toEqual(['/csChargingProfiles/stackLevel']);
    expect(set(tx({ validFrom: at, validTo: '2030-06-01T13:00:00Z' }))).toEqual([]);
    expect(set(tx({ validFrom: at, validTo: at }))).toEqual(['/csChargingProfiles/validTo']);
    expect(set(tx({ validFrom: at, validTo: '2030-06-01T13:00:00+02:00' }))).toEqual(['/csChargingProfiles/validTo']);
    expect(set(tx({ validTo: at }))).toEqual([]);
    expect(set(tx({ chargingProfilePurpose: 'TxProfile', transactionId: 5 }))).toEqual([]);
    expect(set(tx({ transactionId: 5 }))).toEqual(['/csChargingProfiles/transactionId']);
  });

  it('the same rules hold for the profile of a RemoteStartTransaction', () => {
    const start = (p: Record<string, unknown>) => paths('RemoteStartTransaction', { idTag: 'A', connectorId: 1, chargingProfile: p });
    expect(start(tx({ chargingProfilePurpose: 'TxProfile' }))).toEqual([]);
    expect(start(tx({ chargingProfilePurpose: 'TxProfile', stackLevel: -2 }, { chargingSchedulePeriod: [period(5)] }))).toEqual([
      '/chargingProfile/stackLevel',
      '/chargingProfile/chargingSchedule/chargingSchedulePeriod/0/startPeriod',
    ]);
  });

  it('what OCPP 1.6 gives no rule for still goes: duration, limit, numberPhases, a recurrencyKind on another kind', () => {
    expect(set(tx({ recurrencyKind: 'Daily' }, { duration: 0, chargingSchedulePeriod: [{ startPeriod: 0, limit: 0, numberPhases: 1 }] }))).toEqual([]);
  });
});

describe('stationLimitViolations: the limits a station reported (guide §2.2, §2.4, §2.6)', () => {
  const limits = stationLimitsFrom([
    { key: 'SendLocalListMaxLength', value: '2' },
    { key: 'localauthlistmaxlength', value: ' 3 ' },
    { key: 'GetConfigurationMaxKeys', value: '2' },
    { key: 'ChargingScheduleMaxPeriods', value: '2' },
    { key: 'ChargeProfileMaxStackLevel', value: '1' },
    { key: 'ChargingScheduleAllowedChargingRateUnit', value: 'Current' },
    { key: 'NumberOfConnectors', value: '2' },
  ]);
  const over = (action: string, payload: Record<string, unknown>, l: StationLimits = limits) => stationLimitViolations(action, payload, l).map((v) => v.path);
  const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ idTag: `T${i}`, idTagInfo: { status: 'Accepted' } }));
  const periods = (n: number) => Array.from({ length: n }, (_, i) => ({ startPeriod: i * 60, limit: 16 }));
  const tx = (stackLevel: number, unit: string, n: number) => ({ ...profile({ chargingProfilePurpose: 'TxProfile', stackLevel }), chargingSchedule: { chargingRateUnit: unit, chargingSchedulePeriod: periods(n) } });

  it('reads the keys without case, parses their numbers and the unit spellings', () => {
    expect(limits).toEqual({ sendLocalListMaxLength: 2, localAuthListMaxLength: 3, getConfigurationMaxKeys: 2, chargingScheduleMaxPeriods: 2, chargeProfileMaxStackLevel: 1, allowedChargingRateUnits: ['A'] });
    expect(stationLimitsFrom([{ key: 'SendLocalListMaxLength', value: 'lots' }, { key: 'ChargingScheduleAllowedChargingRateUnit', value: '' }])).toEqual({});
  });

  it('SendLocalList: entries per message (SendLocalListMaxLength), a Full list within LocalAuthListMaxLength', () => {
    expect(over('SendLocalList', { listVersion: 1, updateType: 'Differential', localAuthorizationList: tags(2) })).toEqual([]);
    expect(over('SendLocalList', { listVersion: 1, updateType: 'Differential', localAuthorizationList: tags(3) })).toEqual(['/localAuthorizationList']);
    const onlyListSize = { localAuthListMaxLength: 3 };
    expect(over('SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: tags(3) }, onlyListSize)).toEqual([]);
    expect(over('SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: tags(4) }, onlyListSize)).toEqual(['/localAuthorizationList']);
    // A Differential update changes a list whose size only the charger knows.
    expect(over('SendLocalList', { listVersion: 1, updateType: 'Differential', localAuthorizationList: tags(4) }, onlyListSize)).toEqual([]);
  });

  it('GetConfiguration: keys per request (GetConfigurationMaxKeys); none = all keys', () => {
    expect(over('GetConfiguration', { key: ['A', 'B'] })).toEqual([]);
    expect(over('GetConfiguration', { key: ['A', 'B', 'C'] })).toEqual(['/key']);
    expect(over('GetConfiguration', {})).toEqual([]);
  });

  it('profiles: periods, stack level and unit within what the station reported, in SetChargingProfile and RemoteStart', () => {
    expect(over('SetChargingProfile', { connectorId: 1, csChargingProfiles: tx(1, 'A', 2) })).toEqual([]);
    expect(over('SetChargingProfile', { connectorId: 1, csChargingProfiles: tx(2, 'W', 3) })).toEqual([
      '/csChargingProfiles/stackLevel',
      '/csChargingProfiles/chargingSchedule/chargingRateUnit',
      '/csChargingProfiles/chargingSchedule/chargingSchedulePeriod',
    ]);
    expect(over('RemoteStartTransaction', { idTag: 'A', chargingProfile: tx(2, 'A', 3) })).toEqual(['/chargingProfile/stackLevel', '/chargingProfile/chargingSchedule/chargingSchedulePeriod']);
    expect(over('RemoteStartTransaction', { idTag: 'A' })).toEqual([]);
  });

  it('a limit the station has not reported lets the command go', () => {
    expect(over('SendLocalList', { listVersion: 1, updateType: 'Full', localAuthorizationList: tags(50) }, {})).toEqual([]);
    expect(over('GetConfiguration', { key: ['A', 'B', 'C'] }, {})).toEqual([]);
    expect(over('SetChargingProfile', { connectorId: 1, csChargingProfiles: tx(9, 'W', 30) }, {})).toEqual([]);
  });
});
