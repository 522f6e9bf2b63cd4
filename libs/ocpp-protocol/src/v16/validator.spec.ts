import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { schemas16 } from './schemas.generated.js';
import {
  AJV_OPTIONS_16,
  MAX_REPORTED_ERRORS_16,
  callErrorCodeForKeyword16,
  createValidator16,
  loadSchema16,
  validateRequest16,
  validateResponse16,
} from './validator.js';

const ts = '2025-03-01T12:00:00Z';
const boot = { chargePointVendor: 'Acme', chargePointModel: 'S1' };
const start = { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: ts };
const meterValues = {
  connectorId: 1,
  transactionId: 5,
  meterValue: [{ timestamp: ts, sampledValue: [{ value: '1234', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
};
const setProfile = (limit: number) => ({
  connectorId: 1,
  csChargingProfiles: {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: ts, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
  },
});
const stopWith = (unit: string) => ({
  meterStop: 10,
  timestamp: ts,
  transactionId: 5,
  transactionData: [{ timestamp: ts, sampledValue: [{ value: '21.5', measurand: 'Temperature', unit }] }],
});

describe('validateRequest16 / validateResponse16', () => {
  it.each([
    ['BootNotification', boot],
    ['StartTransaction', start],
    ['MeterValues', meterValues],
    ['SetChargingProfile', setProfile(16.2)],
    ['Heartbeat', {}],
    ['SecurityEventNotification', { type: 'FirmwareUpdated', timestamp: ts }],
  ])('accepts a valid %s request', (action, payload) => {
    expect(validateRequest16(action, payload)).toEqual({ ok: true });
  });

  it('validates responses against the <Action>Response schema', () => {
    expect(validateResponse16('BootNotification', { status: 'Accepted', currentTime: ts, interval: 300 })).toEqual({ ok: true });
    // The 1.5 name heartbeatInterval is not the 1.6 field (guide §1.10).
    expect(validateResponse16('BootNotification', { status: 'Accepted', currentTime: ts, heartbeatInterval: 300 })).toMatchObject({ ok: false });
  });

  it('answers NotImplemented for an action outside 1.6', () => {
    expect(validateRequest16('NotifyReport', {})).toMatchObject({ ok: false, code: 'NotImplemented' });
    expect(validateResponse16('heartbeat', {})).toMatchObject({ ok: false, code: 'NotImplemented' });
  });

  it.each([
    ['type', 'BootNotification', { ...boot, chargePointVendor: 12 }, 'TypeConstraintViolation'],
    ['type (string for integer)', 'StartTransaction', { ...start, meterStart: '12' }, 'TypeConstraintViolation'],
    ['required', 'BootNotification', { chargePointVendor: 'Acme' }, 'OccurenceConstraintViolation'],
    [
      'minItems (draft-06 security schema)',
      'GetInstalledCertificateIds',
      { status: 'Accepted', certificateHashData: [] },
      'OccurenceConstraintViolation',
      'response',
    ],
    ['multipleOf', 'SetChargingProfile', setProfile(16.25), 'OccurenceConstraintViolation'],
    ['additionalProperties', 'BootNotification', { ...boot, colour: 'red' }, 'PropertyConstraintViolation'],
    ['enum', 'ChangeAvailability', { connectorId: 0, type: 'Sometimes' }, 'FormationViolation'],
    ['maxLength (chargePointModel 23 > 20)', 'BootNotification', { ...boot, chargePointModel: 'X'.repeat(23) }, 'FormationViolation'],
    ['format date-time', 'StartTransaction', { ...start, timestamp: 'yesterday' }, 'FormationViolation'],
    ['format uri', 'UpdateFirmware', { location: 'not a uri', retrieveDate: ts }, 'FormationViolation'],
  ])('maps %s to its CALLERROR code', (_keyword, action, payload, code, kind = 'request') => {
    const result = kind === 'request' ? validateRequest16(action, payload) : validateResponse16(action, payload);
    expect(result).toMatchObject({ ok: false, code });
    if (result.ok) return;
    expect(result.details.errors.length).toBeGreaterThan(0);
    expect(result.description).not.toBe('');
  });

  it('documents the mapping of keywords the OCA files do not use', () => {
    expect(callErrorCodeForKeyword16('pattern')).toBe('PropertyConstraintViolation');
    expect(callErrorCodeForKeyword16('minimum')).toBe('FormationViolation');
    expect(callErrorCodeForKeyword16('maximum')).toBe('FormationViolation');
    expect(callErrorCodeForKeyword16('maxItems')).toBe('OccurenceConstraintViolation');
    expect(callErrorCodeForKeyword16('somethingElse')).toBe('FormationViolation');
  });

  it('names the offending property of an additionalProperties error', () => {
    const result = validateRequest16('BootNotification', { ...boot, colour: 'red' });
    if (result.ok) throw new Error('expected a failure');
    expect(result.details.errors).toHaveLength(1);
    expect(result.details.errors[0]?.message).toContain('colour');
  });

  it('keeps the CALLERROR small for a payload with thousands of violations (hostile input)', () => {
    // 20,000 bad sampledValues (~780 kB) used to yield 60,000 errors, all echoed back (~20 MB).
    const sampledValue = Array.from({ length: 20_000 }, () => ({ value: 1, unit: 'x', measurand: 'y' }));
    const payload = { connectorId: 1, meterValue: [{ timestamp: ts, sampledValue }] };
    for (const validator of [createValidator16(), createValidator16({ ...AJV_OPTIONS_16, allErrors: true })]) {
      const result = validator.validateRequest16('MeterValues', payload);
      if (result.ok) throw new Error('expected a failure');
      expect(result.code).toBe('TypeConstraintViolation');
      expect(result.details.errors.length).toBeLessThanOrEqual(MAX_REPORTED_ERRORS_16);
      expect(JSON.stringify(result).length).toBeLessThan(5_000);
    }
  });
});

describe('multipleOf: 0.1 (guide §1.11)', () => {
  const values = Array.from({ length: 401 }, (_, i) => i / 10);

  it('accepts all 401 limits 0.0–40.0 in steps of 0.1', () => {
    const validator = createValidator16();
    const refused = values.filter((v) => !validator.validateRequest16('SetChargingProfile', setProfile(v)).ok);
    expect(refused).toEqual([]);
  });

  it('would refuse 134 of them without multipleOfPrecision (proves the sweep can fail)', () => {
    const ajv = addFormatsModule.default(new AjvDraft04Module.default({ strictSchema: false, strictTypes: false, allErrors: true }));
    const naive = ajv.compile(loadSchema16('SetChargingProfile'));
    const refused = values.filter((v) => !naive(setProfile(v)));
    expect(refused).toHaveLength(134);
    expect(refused).toEqual(expect.arrayContaining([8.1, 16.2, 31.9]));
  });
});

describe('Celsius errata (2025-04 §2.1)', () => {
  it('accepts Celsius and Celcius in StopTransaction transactionData', () => {
    expect(validateRequest16('StopTransaction', stopWith('Celsius'))).toEqual({ ok: true });
    expect(validateRequest16('StopTransaction', stopWith('Celcius'))).toEqual({ ok: true });
    expect(validateRequest16('StopTransaction', stopWith('K'))).toEqual({ ok: true });
    expect(validateRequest16('StopTransaction', stopWith('Kelvin'))).toMatchObject({ ok: false, code: 'FormationViolation' });
  });

  it('patches only the validator copy; the generated schema stays verbatim', () => {
    expect(JSON.stringify(schemas16.StopTransaction)).not.toContain('Celsius');
    expect(JSON.stringify(loadSchema16('StopTransaction'))).toContain('Celsius');
    // MeterValues already lists both: the patch must not add a duplicate.
    const units = JSON.stringify(loadSchema16('MeterValues')).match(/"Celsius"/g);
    expect(units).toHaveLength(1);
  });
});

describe('every schema', () => {
  it('compiles (both Ajv flavours)', () => {
    const validator = createValidator16();
    for (const name of Object.keys(schemas16)) {
      const action = name.replace(/Response$/, '');
      const check = name.endsWith('Response') ? validator.validateResponse16 : validator.validateRequest16;
      // A non-object payload must fail with a type error, never throw.
      expect(check(action, 'x')).toMatchObject({ ok: false, code: 'TypeConstraintViolation' });
    }
  });
});
