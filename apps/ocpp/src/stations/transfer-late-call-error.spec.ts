import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { CallOutcome } from '../connection/outbound-calls.js';
import { CommandExecutor } from '../commands/command-executor.js';
import { timedOutStation } from '../../test/station-fakes.js';
import { TransferRequestEffects } from './transfer-request.effects.js';
import type { TransferRepository } from './transfer.repository.js';

const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
const CALL_ERROR: CallOutcome = { kind: 'error', code: 'NotSupported', description: 'no', details: {} };
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function effects() {
  const executor = new CommandExecutor(logger);
  const transfers = {
    recordTransferRequest: jest.fn(async (_id: string, _kind: string, _request: Record<string, unknown>) => undefined),
    recordNothingToUpload: jest.fn(async () => undefined),
    recordLateCallError: jest.fn(async (_id: string, _kind: string, _requestedAt: string, _code: string) => true),
  };
  new TransferRequestEffects(executor, transfers as unknown as TransferRepository).onModuleInit();
  return { executor, transfers };
}

/**
 * An UpdateFirmware / GetDiagnostics that timed out is recorded `unanswered` (it may be under way);
 * the charger's CallError after the timeout says it is not: that very request is settled refused.
 */
describe.each([
  ['UpdateFirmware', 'firmware', { location: 'https://fw.example.com/2.0.bin', retrieveDate: '2026-12-07T12:00:00Z' }],
  ['GetDiagnostics', 'diagnostics', { location: 'ftp://logs.example.com/' }],
] as const)('a CallError to %s arriving after the call timed out', (action, kind, payload) => {
  it('settles the request the timeout recorded, by its requestedAt, with the code', async () => {
    const { executor, transfers } = effects();
    const { ctx, late } = timedOutStation();
    expect(await executor.execute(ctx, { action, payload: { ...payload } })).toMatchObject({ code: 'Timeout' });
    expect(transfers.recordTransferRequest).toHaveBeenCalledWith('CP-1', kind, expect.objectContaining({ unanswered: 'timeout' }));
    const requestedAt = transfers.recordTransferRequest.mock.calls[0]![2]['requestedAt'];
    expect(late(CALL_ERROR)).toBe(true);
    await settle();
    expect(transfers.recordLateCallError).toHaveBeenCalledWith('CP-1', kind, requestedAt, 'NotSupported');
    expect(transfers.recordTransferRequest).toHaveBeenCalledTimes(1);
  });

  it('a timely CallError records nothing (the request before stays shown), as before', async () => {
    const { executor, transfers } = effects();
    const { ctx } = timedOutStation(CALL_ERROR);
    await executor.execute(ctx, { action, payload: { ...payload } });
    await settle();
    expect(transfers.recordTransferRequest).not.toHaveBeenCalled();
    expect(transfers.recordLateCallError).not.toHaveBeenCalled();
  });
});
