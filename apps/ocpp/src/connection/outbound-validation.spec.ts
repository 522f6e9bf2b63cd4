import { EventEmitter } from 'node:events';
import { InboundIds } from '@cpo/ocpp-protocol';
import pino from 'pino';
import type { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { Ocpp16Dispatcher } from './ocpp16-dispatcher.js';
import { StationSession } from './station-session.js';

const noop = { inc() {}, observe() {}, set() {} };
const metrics = new Proxy({}, { get: () => noop }) as unknown as OcppMetrics;
const logger = pino({ level: 'silent' });

class FakeSocket extends EventEmitter {
  readyState = 1;
  readonly sent: unknown[] = [];
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(): void {}
  terminate(): void {}
  ping(): void {}
}

/** A session on the real 1.6 bundle, its validation policy `off`: outbound checks ignore it. */
function open() {
  const socket = new FakeSocket();
  const session = new StationSession(
    socket as never,
    'CP1',
    true,
    'Accepted',
    'off',
    new InboundIds(),
    { callTimeoutMs: 50, queueLimit: 10, pingIntervalMs: 0, maxBadFramesPerMinute: 100 },
    new Ocpp16Dispatcher(metrics, logger),
    metrics,
    { rejectedFrame: () => undefined, activity: () => undefined },
    logger,
  );
  return { socket, session };
}

const profile = (limit: number) => ({
  connectorId: 1,
  csChargingProfiles: {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'A', startSchedule: '2025-01-01T00:00:00Z', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
  },
});

describe('StationSession: outbound CALLs are always strict (guide §1.10)', () => {
  it('never sends a CALL that breaks its schema; the caller gets the violation', async () => {
    const { socket, session } = open();
    // Two decimals (multipleOf 0.1), which a charger's validator refuses or rounds its own way.
    const outcome = await session.call('SetChargingProfile', profile(8.15));
    expect(outcome).toMatchObject({ kind: 'error', code: 'OccurenceConstraintViolation', description: expect.stringContaining('not sent') });
    expect(await session.call('ClearCache', { extra: true })).toMatchObject({ kind: 'error', code: 'PropertyConstraintViolation' });
    expect(await session.call('Heartbeat', {})).toMatchObject({ kind: 'error', code: 'NotSupported' });
    expect(socket.sent).toEqual([]);
  });

  it('sends a valid one (8.1 passes multipleOf 0.1, guide §1.11)', async () => {
    const { socket, session } = open();
    const outcome = session.call('SetChargingProfile', profile(8.1));
    expect(socket.sent).toEqual([[2, expect.any(String), 'SetChargingProfile', profile(8.1)]]);
    expect(await outcome).toEqual({ kind: 'timeout' });
  });
});
