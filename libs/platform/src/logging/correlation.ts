import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface CorrelationContext {
  correlationId: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/**
 * The correlation id of the work in progress: an HTTP request, a bus message or
 * a scheduled job. Logs read it through pino's mixin and publishers copy it
 * into bus headers, so one id follows a change across every service.
 */
export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

export function runWithCorrelation<T>(correlationId: string | undefined, fn: () => T): T {
  return storage.run({ correlationId: sanitizeCorrelationId(correlationId) ?? randomUUID() }, fn);
}

/** Incoming ids come from outside: keep them short and printable so they cannot poison logs or headers. */
export function sanitizeCorrelationId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return /^[A-Za-z0-9._:@/+=-]{1,128}$/.test(trimmed) ? trimmed : undefined;
}

export const CORRELATION_HEADER = 'x-correlation-id';
