import { parseDateTimeMs, type ValidationError16 } from '@cpo/ocpp-protocol';

type Payload = Record<string, unknown>;

/** The file transfers a charger retries on its own: their `retries` and `retryInterval` (typed only as integers by the OCA schemas). */
const RETRYING = new Set(['GetDiagnostics', 'UpdateFirmware', 'GetLog', 'SignedUpdateFirmware']);

/** Where each transfer names the window of what to upload: [object path, its start field, its end field]. */
const WINDOWS: Readonly<Partial<Record<string, readonly [string, string, string]>>> = {
  GetDiagnostics: ['', 'startTime', 'stopTime'],
  GetLog: ['/log', 'oldestTimestamp', 'latestTimestamp'],
};

function violation(path: string, message: string, params: Record<string, unknown> = {}): ValidationError16 {
  return { path, keyword: 'rule', message, params };
}

const instant = (value: unknown) => (typeof value === 'string' ? parseDateTimeMs(value, { missingZone: 'utc' }) : undefined);

/**
 * What a file transfer must not ask beyond its schema: a negative number of retries or seconds
 * between them (OCPP 1.6 §6: a count and an interval; firmware keeping them unsigned reads -1 as
 * billions), and a window of log data that ends before it starts (nothing to upload, yet the
 * charger answers as for a real request). Both ends are compared as instants.
 */
export function transferViolations(action: string, payload: Payload): ValidationError16[] {
  const found: ValidationError16[] = [];
  if (RETRYING.has(action)) {
    for (const field of ['retries', 'retryInterval']) {
      const value = payload[field];
      if (typeof value === 'number' && value < 0) found.push(violation(`/${field}`, 'must be >= 0', { minimum: 0 }));
    }
  }
  const window = WINDOWS[action];
  if (window) {
    const [at, startField, endField] = window;
    const holder = at === '' ? payload : payload[at.slice(1)];
    if (typeof holder === 'object' && holder !== null) {
      const start = instant((holder as Payload)[startField]);
      const end = instant((holder as Payload)[endField]);
      if (start !== undefined && end !== undefined && end < start) found.push(violation(`${at}/${endField}`, `must not be before ${startField}`));
    }
  }
  return found;
}
