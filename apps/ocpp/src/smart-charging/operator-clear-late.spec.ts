import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { CallOutcome } from '../connection/outbound-calls.js';
import { OperatorProfilesEffects } from '../operator-profiles/operator-profiles.effects.js';
import type { OperatorProfilesRepository } from '../operator-profiles/operator-profiles.repository.js';
import type { ChargingProfileRepository } from './charging-profile.repository.js';
import type { LeaseFallback } from './lease-fallback.js';
import type { LimitDispatcher } from './limit-dispatcher.js';
import { OperatorClearEffects } from './operator-clear.effects.js';
import { connectorProfileId } from './profile-builder.js';
import { timedOutStation } from '../../test/station-fakes.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/** A station answering every call with `outcome` (a timeout keeps the late-answer hook). */
function setUp(outcome: CallOutcome) {
  const executor = new CommandExecutor(logger);
  const profiles = { markCleared: jest.fn(async () => [1]) };
  const leaseFallback = { forget: jest.fn(async () => undefined) };
  const dispatcher = { dispatch: jest.fn(async () => undefined) };
  const operatorProfiles = { cleared: jest.fn(async () => undefined) };
  new OperatorClearEffects(executor, profiles as unknown as ChargingProfileRepository, leaseFallback as unknown as LeaseFallback, dispatcher as unknown as LimitDispatcher, logger).onModuleInit();
  new OperatorProfilesEffects(executor, operatorProfiles as unknown as OperatorProfilesRepository).onModuleInit();
  const { ctx, late } = timedOutStation(outcome);
  return { executor, ctx, profiles, leaseFallback, dispatcher, operatorProfiles, late };
}

describe('an operator ClearChargingProfile answered after our timeout', () => {
  it.each(['Accepted', 'Unknown'])('%s late: the grid profiles the timeout marked pending (and sent again) are not marked and sent a second time', async (status) => {
    const { executor, ctx, profiles, dispatcher, operatorProfiles, late } = setUp({ kind: 'timeout' });
    const clear = { id: connectorProfileId(1) };
    expect(await executor.execute(ctx, { action: 'ClearChargingProfile', payload: clear })).toMatchObject({ code: 'Timeout' });
    expect(profiles.markCleared).toHaveBeenCalledTimes(1);
    expect(dispatcher.dispatch).toHaveBeenCalledTimes(1);
    late({ kind: 'result', payload: { status } });
    await settle();
    expect(profiles.markCleared).toHaveBeenCalledTimes(1);
    expect(dispatcher.dispatch).toHaveBeenCalledTimes(1);
    // The operator view still catches up: the timeout left it as it was.
    expect(operatorProfiles.cleared).toHaveBeenCalledWith('CP-1', clear);
  });
});

describe('a ClearChargingProfile answered Unknown', () => {
  it.each([
    ['the grid profile id', { id: connectorProfileId(1) }],
    ['a purpose and stack level covering it', { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 }],
  ])('naming %s: the charger does not hold what we recorded applied; pending again and sent again', async (_name, clear) => {
    const { executor, ctx, profiles, dispatcher } = setUp({ kind: 'result', payload: { status: 'Unknown' } });
    expect(await executor.execute(ctx, { action: 'ClearChargingProfile', payload: clear })).toMatchObject({ status: 'ok' });
    expect(profiles.markCleared).toHaveBeenCalledWith('CP-1', clear, expect.stringContaining('Unknown'), true);
    expect(dispatcher.dispatch).toHaveBeenCalledTimes(1);
  });

  it('naming no grid profile: nothing is sent again', async () => {
    const { executor, ctx, profiles, dispatcher } = setUp({ kind: 'result', payload: { status: 'Unknown' } });
    profiles.markCleared.mockResolvedValue([]);
    await executor.execute(ctx, { action: 'ClearChargingProfile', payload: { id: 7 } });
    expect(dispatcher.dispatch).not.toHaveBeenCalled();
  });
});
