import { errorEnvelope, remsErrorStatus, RemsErrorTypes, successEnvelope } from './envelope.js';

describe('REMS envelopes', () => {
  it('wraps successes as {data}', () => {
    expect(successEnvelope(true)).toEqual({ data: true });
  });

  it('renders errors with the status of their type and an empty fieldError map by default', () => {
    expect(errorEnvelope('ALREADY_CONNECTED', 'reset the device first')).toEqual({
      error: { error: true, status: 400, errorType: 'ALREADY_CONNECTED', message: 'reset the device first', fieldError: {} },
    });
    expect(errorEnvelope('NOT_NEED_UPDATE', 'up to date').error.status).toBe(200);
    expect(errorEnvelope('VALIDATION_FAILED', 'bad', { serialId: 'required' }).error.fieldError).toEqual({ serialId: 'required' });
  });

  it('has a status for every error type', () => {
    for (const type of RemsErrorTypes) expect(remsErrorStatus[type]).toBeGreaterThanOrEqual(200);
  });
});
