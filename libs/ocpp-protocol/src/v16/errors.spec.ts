import { CALL_ERROR_CODES_16, normalizeCallErrorCode16, OcppCallError, OcppTimeoutError } from './errors.js';

describe('1.6 CALLERROR codes', () => {
  it('keep the 1.6 wire spellings (errata 2019 §5: do not fix)', () => {
    expect(CALL_ERROR_CODES_16).toContain('FormationViolation');
    expect(CALL_ERROR_CODES_16).toContain('OccurenceConstraintViolation');
    expect(CALL_ERROR_CODES_16).not.toContain('FormatViolation');
    expect(CALL_ERROR_CODES_16).not.toContain('OccurrenceConstraintViolation');
    expect(CALL_ERROR_CODES_16).toHaveLength(10);
  });

  it.each(CALL_ERROR_CODES_16.map((c) => [c]))('normalises %s to itself', (code) => {
    expect(normalizeCallErrorCode16(code)).toBe(code);
  });

  it('accepts the alternative spellings other stacks send', () => {
    expect(normalizeCallErrorCode16('FormatViolation')).toBe('FormationViolation');
    expect(normalizeCallErrorCode16('OccurrenceConstraintViolation')).toBe('OccurenceConstraintViolation');
  });

  it('degrades unknown codes to GenericError', () => {
    expect(normalizeCallErrorCode16('RpcFrameworkError')).toBe('GenericError');
    expect(normalizeCallErrorCode16('formationviolation')).toBe('GenericError');
    expect(normalizeCallErrorCode16('')).toBe('GenericError');
  });
});

describe('error classes', () => {
  it('OcppCallError carries code, description and details', () => {
    const err = new OcppCallError('NotSupported', 'no reservations', { connectorId: 1 });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'OcppCallError', code: 'NotSupported', description: 'no reservations', details: { connectorId: 1 } });
    expect(err.message).toBe('NotSupported: no reservations');
    expect(new OcppCallError('GenericError').details).toEqual({});
  });

  it('OcppTimeoutError carries action, id and timeout', () => {
    const err = new OcppTimeoutError('Reset', 'id-1', 30000);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'OcppTimeoutError', action: 'Reset', uniqueId: 'id-1', timeoutMs: 30000 });
  });
});
