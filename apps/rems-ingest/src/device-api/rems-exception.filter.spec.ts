import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { ConflictError, NotFoundError, TimeoutError, UnauthorizedError } from '@cpo/platform';
import { remsError } from './rems-errors.js';
import { toRemsError } from './rems-exception.filter.js';

describe('toRemsError', () => {
  it('renders tagged platform errors with their REMS type, status and field errors', () => {
    expect(toRemsError(remsError('TOKEN_EXPIRED', 'expired'))).toEqual({ error: { error: true, status: 401, errorType: 'TOKEN_EXPIRED', message: 'expired', fieldError: {} } });
    expect(toRemsError(remsError('INVALID_METER_DATA', 'bad', { data: 'odd_length' })).error).toMatchObject({ status: 400, fieldError: { data: 'odd_length' } });
    expect(toRemsError(remsError('DEVICE_INACTIVE', 'reset')).error).toMatchObject({ status: 403, errorType: 'DEVICE_INACTIVE' });
  });

  it('gives untagged platform errors the nearest REMS type', () => {
    expect(toRemsError(new UnauthorizedError('no')).error).toMatchObject({ status: 401, errorType: 'UNAUTHORIZED' });
    expect(toRemsError(new ConflictError('no')).error).toMatchObject({ status: 409, errorType: 'INVALID_STATUS_TRANSITION' });
    expect(toRemsError(new NotFoundError('no')).error).toMatchObject({ status: 404, errorType: 'DEVICE_NOT_FOUND' });
    expect(toRemsError(new TimeoutError('slow')).error).toMatchObject({ status: 500, errorType: 'INTERNAL_ERROR' });
  });

  it('keeps the status of Nest HTTP exceptions (a body that is not JSON, too large) and hides unknown errors', () => {
    expect(toRemsError(new BadRequestException('Unexpected end of JSON input')).error).toMatchObject({ status: 400, errorType: 'VALIDATION_FAILED' });
    expect(toRemsError(new PayloadTooLargeException()).error).toMatchObject({ status: 413, errorType: 'VALIDATION_FAILED' });
    expect(toRemsError(new Error('db password is hunter2'))).toEqual({ error: { error: true, status: 500, errorType: 'INTERNAL_ERROR', message: 'internal error', fieldError: {} } });
  });
});
