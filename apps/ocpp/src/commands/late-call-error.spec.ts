import { jest } from '@jest/globals';
import type { OutboxWriter } from '@cpo/messaging';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { AuthorizationService } from '../authorization/authorization.service.js';
import type { OcppConfig } from '../config.js';
import type { CallOutcome } from '../connection/outbound-calls.js';
import type { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { OperatorProfilesEffects } from '../operator-profiles/operator-profiles.effects.js';
import type { OperatorProfilesRepository } from '../operator-profiles/operator-profiles.repository.js';
import { ReservationEffects } from '../reservations/reservation.effects.js';
import type { ReservationRepository } from '../reservations/reservation.repository.js';
import type { ReservationResend } from '../reservations/reservation-resend.js';
import { AvailabilityEffects } from '../stations/availability.effects.js';
import type { AvailabilityRepository } from '../stations/availability.repository.js';
import type { RemoteStartRepository } from '../transactions/remote-start.repository.js';
import { RemoteStartTracker } from '../transactions/remote-start.tracker.js';
import { CommandExecutor } from './command-executor.js';
import { timedOutStation } from '../../test/station-fakes.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
const CALL_ERROR: CallOutcome = { kind: 'error', code: 'InternalError', description: 'boom', details: {} };
const future = new Date(Date.now() + 3_600_000).toISOString();

/** A station whose calls time out in flight; `late` is the charger's answer arriving afterwards. */
const station = () => timedOutStation();
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * A call timed out (its effects took the outcome as unknown), then the charger answered with a
 * CallError: it did not act. Our records catch up as the timely CallError would have left them.
 */
describe('a CallError arriving after the call timed out', () => {
  it('RemoteStartTransaction: the request fails and the commanded-token marker is forgotten', async () => {
    const executor = new CommandExecutor(logger);
    const remoteStarts = { requested: jest.fn(async () => 7), failed: jest.fn(async () => undefined), openFor: jest.fn(async () => false) };
    const authorization = { forgetCommanded: jest.fn(async () => undefined) };
    const db = { transaction: async (work: (tx: unknown) => Promise<unknown>) => work({}) };
    new RemoteStartTracker(
      executor,
      remoteStarts as unknown as RemoteStartRepository,
      {} as OcppMetrics,
      db as unknown as DataSource,
      { enqueueMany: jest.fn() } as unknown as OutboxWriter,
      authorization as unknown as AuthorizationService,
      {} as OcppConfig,
      logger,
    ).onModuleInit();
    const { ctx, late } = station();
    expect(await executor.execute(ctx, { action: 'RemoteStartTransaction', payload: { idTag: 'TAG-1', connectorId: 1 } })).toMatchObject({ code: 'Timeout' });
    expect(remoteStarts.failed).not.toHaveBeenCalled();
    expect(late(CALL_ERROR)).toBe(true);
    await settle();
    expect(remoteStarts.failed).toHaveBeenCalledWith({}, 7);
    expect(authorization.forgetCommanded).toHaveBeenCalledWith('CP-1', 'TAG-1', expect.any(Number));
  });

  it('ReserveNow: the reservation left TimedOut is settled Failed, with its terms', async () => {
    const executor = new CommandExecutor(logger);
    const reservations = { upsertRequested: jest.fn(async () => true), settleRequested: jest.fn(async (..._args: unknown[]) => undefined), nextId: jest.fn(async () => 5) };
    new ReservationEffects(executor, reservations as unknown as ReservationRepository, { recordIfResent: async () => false } as unknown as ReservationResend).onModuleInit();
    const { ctx, late } = station();
    await executor.execute(ctx, { action: 'ReserveNow', payload: { connectorId: 1, idTag: 'TAG-1', expiryDate: future, reservationId: 5 } });
    expect(reservations.settleRequested.mock.calls.map((c) => c[2])).toEqual(['TimedOut']);
    expect(late(CALL_ERROR)).toBe(true);
    await settle();
    expect(reservations.settleRequested.mock.calls.map((c) => c[2])).toEqual(['TimedOut', 'Failed']);
    expect(reservations.settleRequested).toHaveBeenLastCalledWith('CP-1', 5, 'Failed', expect.objectContaining({ connectorId: 1, idTag: 'TAG-1' }));
  });

  it('ChangeAvailability: the request left TimedOut is settled Failed', async () => {
    const executor = new CommandExecutor(logger);
    const requests = { requested: jest.fn(async () => 3), settled: jest.fn(async () => undefined) };
    new AvailabilityEffects(executor, requests as unknown as AvailabilityRepository).onModuleInit();
    const { ctx, late } = station();
    await executor.execute(ctx, { action: 'ChangeAvailability', payload: { connectorId: 1, type: 'Inoperative' } });
    expect(late(CALL_ERROR)).toBe(true);
    await settle();
    expect(requests.settled.mock.calls).toEqual([
      [3, 'TimedOut'],
      [3, 'Failed'],
    ]);
  });

  it("an operator's SetChargingProfile is not listed as installed", async () => {
    const executor = new CommandExecutor(logger);
    const profiles = { installed: jest.fn(async () => undefined) };
    new OperatorProfilesEffects(executor, profiles as unknown as OperatorProfilesRepository).onModuleInit();
    const { ctx, late } = station();
    const payload = {
      connectorId: 1,
      csChargingProfiles: { chargingProfileId: 7, stackLevel: 2, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Relative', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } },
    };
    expect(await executor.execute(ctx, { action: 'SetChargingProfile', payload })).toMatchObject({ code: 'Timeout' });
    late(CALL_ERROR);
    await settle();
    expect(profiles.installed).not.toHaveBeenCalled();
  });

  it('a broken CALLRESULT (it may have acted) changes nothing the timeout left, and is not applied', async () => {
    const executor = new CommandExecutor(logger);
    const requests = { requested: jest.fn(async () => 3), settled: jest.fn(async () => undefined) };
    new AvailabilityEffects(executor, requests as unknown as AvailabilityRepository).onModuleInit();
    const { ctx, late } = station();
    await executor.execute(ctx, { action: 'ChangeAvailability', payload: { connectorId: 1, type: 'Inoperative' } });
    expect(late({ ...CALL_ERROR, code: 'FormationViolation', mayHaveActed: true })).toBe(false);
    await settle();
    expect(requests.settled.mock.calls).toEqual([[3, 'TimedOut']]);
  });

  it('a command without effects for a late CallError is not applied (logged as such)', async () => {
    const executor = new CommandExecutor(logger);
    const { ctx, late } = station();
    await executor.execute(ctx, { action: 'ClearCache', payload: {} });
    expect(late(CALL_ERROR)).toBe(false);
  });
});
