import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ConflictError, TimeoutError, ValidationError } from './errors.js';
import { toApiError } from './http-exception.filter.js';

describe('toApiError', () => {
  it('maps domain errors to status codes and keeps details', () => {
    expect(toApiError(new ValidationError('bad', { field: 'x' }))).toEqual({ statusCode: 400, error: 'validation', message: 'bad', details: { field: 'x' } });
    expect(toApiError(new ConflictError('dup')).statusCode).toBe(409);
    expect(toApiError(new TimeoutError('slow')).statusCode).toBe(504);
  });

  it('flattens class-validator messages into details', () => {
    const body = toApiError(new BadRequestException(['name must be a string', 'port must be a number']));
    expect(body).toMatchObject({ statusCode: 400, message: 'validation failed', details: ['name must be a string', 'port must be a number'] });
  });

  it('keeps Nest HTTP exceptions and hides unknown errors', () => {
    expect(toApiError(new NotFoundException('no such group')).message).toBe('no such group');
    expect(toApiError(new Error('db password is hunter2'))).toEqual({ statusCode: 500, error: 'internal_error', message: 'internal error' });
  });
});
