import type { OcppCommandReply } from '@cpo/contracts';
import type { BuiltProfile } from './profile-builder.js';
import { hasFractionalAmperes, inWholeAmperes, refusedForItsValues } from './whole-amperes.js';

const built = (unit: 'A' | 'W', limits: number[], minChargingRate?: number): BuiltProfile => ({
  connectorId: 1,
  profile: {
    chargingProfileId: 101,
    stackLevel: 1,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: {
      chargingRateUnit: unit,
      startSchedule: '2026-11-23T05:59:00.000Z',
      duration: 960,
      chargingSchedulePeriod: limits.map((limit, i) => ({ startPeriod: i * 600, limit, ...(i === 1 ? { numberPhases: 1 } : {}) })),
      ...(minChargingRate === undefined ? {} : { minChargingRate }),
    },
  },
});

describe('inWholeAmperes (a charger whose naive multipleOf check refuses one decimal)', () => {
  it('rounds every A limit and minChargingRate down to whole amperes, never above the plan, the rest of the profile as it was', () => {
    const whole = inWholeAmperes(built('A', [16.2, 12.7, 8.1, 0], 6.9));
    expect(whole.profile.chargingSchedule.chargingSchedulePeriod).toEqual([
      { startPeriod: 0, limit: 16 },
      { startPeriod: 600, limit: 12, numberPhases: 1 },
      { startPeriod: 1200, limit: 8 },
      { startPeriod: 1800, limit: 0 },
    ]);
    expect(whole.profile.chargingSchedule.minChargingRate).toBe(6);
    expect({ ...whole.profile, chargingSchedule: { ...whole.profile.chargingSchedule, chargingSchedulePeriod: [], minChargingRate: 0 } }).toEqual({
      ...built('A', []).profile,
      chargingSchedule: { ...built('A', []).profile.chargingSchedule, minChargingRate: 0 },
    });
  });

  it('leaves W (whole watts already) and whole amperes alone', () => {
    expect(inWholeAmperes(built('W', [7400, 3680]))).toEqual(built('W', [7400, 3680]));
    expect(inWholeAmperes(built('A', [16, 6], 6))).toEqual(built('A', [16, 6], 6));
  });

  it('tells whether a profile carries an A value a naive validator may refuse (limit or minChargingRate, any period)', () => {
    expect(hasFractionalAmperes(built('A', [16, 12.5]))).toBe(true);
    expect(hasFractionalAmperes(built('A', [16], 6.1))).toBe(true);
    expect(hasFractionalAmperes(built('A', [16, 6], 6))).toBe(false);
    expect(hasFractionalAmperes(built('W', [7400.5]))).toBe(false);
  });
});

describe('refusedForItsValues (answers a whole-ampere form may change)', () => {
  const error = (code: string, mayHaveActed?: true): OcppCommandReply => ({ status: 'error', code, description: 'x', ...(mayHaveActed ? { mayHaveActed } : {}) });
  const cases: [string, OcppCommandReply, boolean][] = [
    ['Rejected', { status: 'ok', payload: { status: 'Rejected' } }, true],
    ['PropertyConstraintViolation', error('PropertyConstraintViolation'), true],
    ['FormationViolation', error('FormationViolation'), true],
    ['FormatViolation (2.0.1 spelling some stacks send)', error('FormatViolation'), true],
    ['TypeConstraintViolation', error('TypeConstraintViolation'), true],
    // ocpp-rpc reports a failed multipleOf as the occurrence code (guide §1.5), in either spelling.
    ['OccurenceConstraintViolation', error('OccurenceConstraintViolation'), true],
    ['OccurrenceConstraintViolation', error('OccurrenceConstraintViolation'), true],
    ['Accepted', { status: 'ok', payload: { status: 'Accepted' } }, false],
    ['NotSupported (no smart charging at all)', { status: 'ok', payload: { status: 'NotSupported' } }, false],
    ['a malformed answer of ours (the charger may have taken it)', error('FormationViolation', true), false],
    ['Timeout', error('Timeout'), false],
    ['Offline', error('Offline'), false],
    ['InternalError', error('InternalError'), false],
  ];
  for (const [name, reply, expected] of cases) it(name, () => expect(refusedForItsValues(reply)).toBe(expected));
});
