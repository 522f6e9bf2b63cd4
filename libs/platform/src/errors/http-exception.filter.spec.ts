import { jest } from '@jest/globals';
import { BadRequestException, HttpException, Logger, NotFoundException, PayloadTooLargeException, ServiceUnavailableException, UnsupportedMediaTypeException, type ArgumentsHost } from '@nestjs/common';
import { ValidationError as ClassValidatorError } from 'class-validator';
import { ConflictError, TimeoutError, ValidationError } from './errors.js';
import { HttpErrorFilter, notReadyChecks, toApiError } from './http-exception.filter.js';
import { validationException } from './validation-details.js';

describe('toApiError', () => {
  it('maps domain errors to status codes and keeps details', () => {
    expect(toApiError(new ValidationError('bad', { field: 'x' }))).toEqual({ statusCode: 400, error: 'validation', message: 'bad', details: { field: 'x' } });
    expect(toApiError(new ConflictError('dup')).statusCode).toBe(409);
    expect(toApiError(new TimeoutError('slow')).statusCode).toBe(504);
  });

  it("gives a DTO's failures as field → messages in details, as a ValidationError's (the documented shape)", () => {
    const failures = [
      Object.assign(new ClassValidatorError(), { property: 'port', constraints: { isInt: 'port must be an integer number', min: 'port must not be less than 1' } }),
      Object.assign(new ClassValidatorError(), {
        property: 'stations',
        children: [Object.assign(new ClassValidatorError(), { property: '0', children: [Object.assign(new ClassValidatorError(), { property: 'name', constraints: { isString: 'name must be a string' } })] })],
      }),
    ];
    expect(toApiError(validationException(failures))).toEqual({
      statusCode: 400,
      error: 'validation',
      message: 'validation failed: port, stations.0.name',
      details: { port: 'port must be an integer number; port must not be less than 1', 'stations.0.name': 'name must be a string' },
    });
    // A pipe built without our factory still answers a string message, never an array in details.
    expect(toApiError(new BadRequestException(['name must be a string', 'port must be a number']))).toEqual({ statusCode: 400, error: 'validation', message: 'name must be a string; port must be a number' });
  });

  it('names errors from one vocabulary, whichever layer refused', () => {
    expect(toApiError(new BadRequestException('Unexpected end of JSON input')).error).toBe('validation');
    expect(toApiError(new NotFoundException('Cannot GET /x')).error).toBe('not_found');
    expect(toApiError(new PayloadTooLargeException('request entity too large')).error).toBe('payload_too_large');
    expect(toApiError(new UnsupportedMediaTypeException()).error).toBe('unsupported_media_type');
    expect(toApiError(new ServiceUnavailableException()).error).toBe('unavailable');
    expect(toApiError(new HttpException('odd', 500)).error).toBe('internal_error');
  });

  it('keeps Nest HTTP exceptions and hides unknown errors', () => {
    expect(toApiError(new NotFoundException('no such group')).message).toBe('no such group');
    expect(toApiError(new Error('db password is hunter2'))).toEqual({ statusCode: 500, error: 'internal_error', message: 'internal error' });
  });
});

describe('HttpErrorFilter and readiness probes', () => {
  /** What @nestjs/terminus throws when a readiness check is down. */
  const notReady = (down: string[]) =>
    new ServiceUnavailableException({
      status: 'error',
      info: { database: { status: 'up' } },
      error: Object.fromEntries(down.map((name) => [name, { status: 'down', message: `${name} is down` }])),
      details: {},
    });
  const host = (url: string) => {
    const res = { headersSent: false, status: () => res, json: () => res };
    return { switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ url }) }) } as unknown as ArgumentsHost;
  };
  afterEach(() => jest.restoreAllMocks());

  it('recognises terminus\'s "not ready" answer, and nothing else', () => {
    expect(notReadyChecks(notReady(['jetstream']))).toEqual({ jetstream: { status: 'down', message: 'jetstream is down' } });
    expect(notReadyChecks(new ServiceUnavailableException('redis down'))).toBeUndefined();
    expect(notReadyChecks(new Error('boom'))).toBeUndefined();
  });

  it('logs a failed readiness probe as a warning without a stack, once per change of the failing checks, not per probe', () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const filter = new HttpErrorFilter();
    for (let i = 0; i < 5; i++) filter.catch(notReady(['jetstream']), host('/health/ready'));
    filter.catch(notReady(['jetstream', 'nats']), host('/health/ready'));
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0][0]).toEqual({ path: '/health/ready', failing: { jetstream: expect.anything() } });
    filter.catch(new Error('db password is hunter2'), host('/api/x'));
    expect(error).toHaveBeenCalledTimes(1);
  });
});
