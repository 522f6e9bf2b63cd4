import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { CallOutcome } from '../connection/outbound-calls.js';
import type { StationContext } from '../connection/station-context.js';
import type { AskClaim, LocalListSyncRepository } from './local-list-sync.repository.js';
import type { LocalListRepository } from './local-list.repository.js';
import { LocalListEffects } from './local-list.effects.js';

const config = { OCPP_CALL_TIMEOUT_MS: 1_000 };
const notImplemented: CallOutcome = { kind: 'error', code: 'NotImplemented', description: 'no local list', details: {} };

/**
 * A GetLocalListVersion the charger cannot answer (NotImplemented, NotSupported) drops the pending
 * update: a change of the list like recording a version, so under the same claim rules
 * (LocalListAsks). Under a sync's claim, the sync's update (maybe the pending one) is still being
 * decided on another replica; written late, after another outcome, the drop would take an update
 * the answer said nothing about.
 */
describe('LocalListEffects: a GetLocalListVersion the charger cannot answer', () => {
  function setUp(claimed: (() => AskClaim)[], recorded = true) {
    const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
    const executor = new CommandExecutor(logger);
    const claims = {
      claimAsk: jest.fn(async (_s: string, _owner: string, _lease: number) => claimed.shift()!()),
      renew: jest.fn(async () => undefined),
      releaseRepair: jest.fn(async (_s: string, _owner: string, _tookOver: boolean) => undefined),
    };
    const dropped = jest.fn(async (_s: string, _holder: string | null, _seen: string | null) =>
      recorded ? { recorded: true as const, dropped: { pendingVersion: 4, updateType: 'Differential' } } : { recorded: false as const },
    );
    const lists = { versionUnavailable: dropped } as unknown as LocalListRepository;
    new LocalListEffects(executor, lists, claims as unknown as LocalListSyncRepository, config, logger).onModuleInit();
    const ctx = { stationId: 'CP-9', protocol: 'ocpp1.6', connectionId: 'c9', known: true, registration: 'Accepted', validationPolicy: 'strict', call: async () => notImplemented, expectTriggered: () => undefined } as unknown as StationContext;
    const ask = () => executor.execute(ctx, { action: 'GetLocalListVersion', payload: {} });
    return { logger, claims, dropped, ask };
  }

  it("does not drop the pending update while a sync holds the list: its holder decides, the repair drops it under its own claim", async () => {
    const { logger, claims, dropped, ask } = setUp([() => ({ kind: 'busy', claim: 'sync-b@later', seen: 't1' })]);
    // The operator gets the charger's answer as it is.
    expect(await ask()).toMatchObject({ status: 'error', code: 'NotImplemented' });
    expect(dropped).not.toHaveBeenCalled();
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.info).toHaveBeenCalledWith(expect.objectContaining({ stationId: 'CP-9', code: 'NotImplemented', why: expect.stringContaining('sync-b@later') }), expect.stringContaining('not dropped'));
    // Not its claim: nothing released.
    expect(claims.releaseRepair).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('does not drop it when the list could not be claimed before the call', async () => {
    const { logger, dropped, ask } = setUp([
      () => {
        throw new Error('database unavailable');
      },
    ]);
    await ask();
    expect(dropped).not.toHaveBeenCalled();
    expect(logger.info).toHaveBeenCalledWith(expect.objectContaining({ stationId: 'CP-9', why: expect.stringContaining('could not be claimed') }), expect.stringContaining('not dropped'));
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("drops it under the ask's own claim, a repair's, or none on a list not stored yet, each only if nothing was recorded since", async () => {
    const { logger, claims, dropped, ask } = setUp([
      () => ({ kind: 'own', tookOver: false, seen: 't1' }),
      () => ({ kind: 'under', owner: 'repair:r1', seen: 't2' }),
      () => ({ kind: 'unlisted', seen: null }),
    ]);
    for (let i = 0; i < 3; i++) await ask();
    const [, own] = claims.claimAsk.mock.calls[0]!;
    expect(own).toMatch(/^ask:/);
    expect(dropped.mock.calls).toEqual([
      ['CP-9', own, 't1'],
      ['CP-9', 'repair:r1', 't2'],
      ['CP-9', null, null],
    ]);
    expect(logger.warn).toHaveBeenCalledTimes(3);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ stationId: 'CP-9', pendingVersion: 4, code: 'NotImplemented' }), expect.stringContaining('Full list'));
    // Only its own claim is released.
    expect(claims.releaseRepair.mock.calls).toEqual([['CP-9', own, false]]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('says so when the claim passed to another holder, or another outcome was recorded, before the drop was written', async () => {
    const { logger, dropped, ask } = setUp([() => ({ kind: 'under', owner: 'repair:r1', seen: 't2' })], false);
    await ask();
    expect(dropped).toHaveBeenCalledTimes(1);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.info).toHaveBeenCalledWith(expect.objectContaining({ stationId: 'CP-9', why: expect.stringContaining('another holder') }), expect.stringContaining('not dropped'));
    expect(logger.error).not.toHaveBeenCalled();
  });
});
