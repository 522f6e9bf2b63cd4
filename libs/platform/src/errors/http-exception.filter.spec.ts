import { jest } from '@jest/globals';
import { BadRequestException, Logger, NotFoundException, ServiceUnavailableException, type ArgumentsHost } from '@nestjs/common';
import { ConflictError, TimeoutError, ValidationError } from './errors.js';
import { HttpErrorFilter, notReadyChecks, toApiError } from './http-exception.filter.js';

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
