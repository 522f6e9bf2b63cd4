import { jest } from '@jest/globals';
import type { JsonObject } from '@cpo/ocpp-protocol';
import type { Logger } from 'pino';
import { CommandExecutor } from '../commands/command-executor.js';
import type { CallOutcome } from '../connection/outbound-calls.js';
import type { StationContext } from '../connection/station-context.js';
import type { AskClaim, LocalListSyncRepository } from './local-list-sync.repository.js';
import type { LocalListRepository } from './local-list.repository.js';
import { LocalListEffects, listSizeAfter, versionUnavailable } from './local-list.effects.js';
import { fakeStation } from '../../test/station-fakes.js';

const accepted = { status: 'Accepted' as const };
const config = { OCPP_CALL_TIMEOUT_MS: 1_000 };

/** The claims of a list nobody else holds: each ask takes it (`claimAsk`), then releases it. */
function freeClaims(claim: () => AskClaim = () => ({ kind: 'own', tookOver: false, seen: 't0' })) {
  return {
    claimAsk: jest.fn(async (_s: string, _owner: string, _lease: number) => claim()),
    renew: jest.fn(async () => undefined),
    releaseRepair: jest.fn(async (_s: string, _owner: string, _tookOver: boolean) => undefined),
  };
}
const asRepo = (claims: ReturnType<typeof freeClaims>) => claims as unknown as LocalListSyncRepository;

describe('listSizeAfter', () => {
  it('a Full update holds its distinct tags; an empty one empties the list', () => {
    expect(listSizeAfter({ listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: accepted }, { idTag: 'B', idTagInfo: accepted }, { idTag: 'A', idTagInfo: accepted }] })).toBe(2);
    expect(listSizeAfter({ listVersion: 4, updateType: 'Full' })).toBe(0);
    expect(listSizeAfter({ listVersion: 5, updateType: 'Full', localAuthorizationList: [{ idTag: '04a2', idTagInfo: accepted }, { idTag: '04A2', idTagInfo: accepted }] })).toBe(1);
  });

  it('a Differential that changes entries leaves the size unknown; an empty one keeps it', () => {
    expect(listSizeAfter({ listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'C', idTagInfo: accepted }] })).toBeNull();
    expect(listSizeAfter({ listVersion: 5, updateType: 'Differential', localAuthorizationList: [{ idTag: 'A' }] })).toBeNull();
    expect(listSizeAfter({ listVersion: 6, updateType: 'Differential', localAuthorizationList: [] })).toBeUndefined();
  });
});

describe('LocalListEffects', () => {
  it("records a station's outcomes in the order the charger answered, each once the earlier one is written", async () => {
    const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
    const executor = new CommandExecutor(logger);
    const written: string[] = [];
    let finishFirst: (() => void) | undefined;
    const lists = {
      // The operator's update, accepted first, is slow to write (a busy database).
      applied: async (_s: string, req: { listVersion: number }) => {
        written.push(`applied ${req.listVersion} started`);
        await new Promise<void>((r) => (finishFirst = r));
        written.push(`applied ${req.listVersion} done`);
      },
      refused: async (_s: string, req: { listVersion: number }, status: string) => void written.push(`${status} ${req.listVersion}`),
    } as unknown as LocalListRepository;
    new LocalListEffects(executor, lists, asRepo(freeClaims()), config, logger).onModuleInit();
    // One call at a time, answered in order: Accepted (v10), then VersionMismatch (v4).
    const answers: CallOutcome[] = [
      { kind: 'result', payload: { status: 'Accepted' } },
      { kind: 'result', payload: { status: 'VersionMismatch' } },
    ];
    const ctx = fakeStation({ call: async () => answers.shift()! });
    const diff = (listVersion: number): JsonObject => ({ listVersion, updateType: 'Differential', localAuthorizationList: [{ idTag: `T${listVersion}`, idTagInfo: { status: 'Accepted' } }] });
    const first = executor.execute(ctx, { action: 'SendLocalList', payload: diff(10) });
    const second = executor.execute(ctx, { action: 'SendLocalList', payload: diff(4) });
    await new Promise((r) => setTimeout(r, 20));
    expect(written).toEqual(['applied 10 started']);
    finishFirst!();
    await Promise.all([first, second]);
    expect(written).toEqual(['applied 10 started', 'applied 10 done', 'VersionMismatch 4']);
  });

  it('a reported version that settles an unanswered update is logged: info when repaired, warn when the list stays uncertain', async () => {
    const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
    const executor = new CommandExecutor(logger);
    const settlements = [
      { outcome: 'applied', reportedVersion: 4, pendingVersion: 4, previousVersion: 3, updateType: 'Differential', certain: true },
      { outcome: 'unknown', reportedVersion: 9, pendingVersion: 4, previousVersion: 3, updateType: 'Differential', certain: false },
      undefined,
    ];
    const lists = { reported: async () => ({ recorded: true, settled: settlements.shift() }) } as unknown as LocalListRepository;
    new LocalListEffects(executor, lists, asRepo(freeClaims()), config, logger).onModuleInit();
    const ctx = { stationId: 'CP-2', protocol: 'ocpp1.6', connectionId: 'c2', known: true, registration: 'Accepted', validationPolicy: 'strict', call: async () => ({ kind: 'result', payload: { listVersion: 4 } }), expectTriggered: () => undefined } as unknown as StationContext;
    for (let i = 0; i < 3; i++) await executor.execute(ctx, { action: 'GetLocalListVersion', payload: {} });
    expect(logger.info).toHaveBeenCalledWith(expect.objectContaining({ stationId: 'CP-2', outcome: 'applied', certain: true }), expect.any(String));
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'unknown', reportedVersion: 9 }), expect.stringContaining('Full list'));
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('a GetLocalListVersion the charger cannot answer (NotImplemented, NotSupported) drops the pending update once; a passing failure keeps it', async () => {
    const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
    const executor = new CommandExecutor(logger);
    const dropped = jest.fn(async () => ({ recorded: true, dropped: { pendingVersion: 4, updateType: 'Differential' } }));
    const claims = freeClaims();
    new LocalListEffects(executor, { versionUnavailable: dropped } as unknown as LocalListRepository, asRepo(claims), config, logger).onModuleInit();
    const failures: CallOutcome[] = [
      { kind: 'error', code: 'NotImplemented', description: '', details: {} },
      { kind: 'error', code: 'NotSupported', description: '', details: {} },
      { kind: 'error', code: 'GenericError', description: '', details: {} },
      { kind: 'error', code: 'NotImplemented', description: '', details: {}, mayHaveActed: true },
      { kind: 'timeout' },
      { kind: 'disconnected' },
    ];
    const ctx = { stationId: 'CP-3', protocol: 'ocpp1.6', connectionId: 'c3', known: true, registration: 'Accepted', validationPolicy: 'strict', call: async () => failures.shift(), expectTriggered: () => undefined } as unknown as StationContext;
    for (let i = 0; i < 6; i++) await executor.execute(ctx, { action: 'GetLocalListVersion', payload: {} });
    expect(dropped).toHaveBeenCalledTimes(2);
    // Each ask's own claim is released, whatever its outcome.
    expect(claims.releaseRepair.mock.calls.map(([, owner]) => owner)).toEqual(claims.claimAsk.mock.calls.map(([, owner]) => owner));
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ stationId: 'CP-3', pendingVersion: 4, code: 'NotImplemented' }), expect.stringContaining('Full list'));
    expect(versionUnavailable({ kind: 'error', code: 'NotSupported', description: '', details: {} })).toBe(true);
    expect(versionUnavailable({ kind: 'timeout' })).toBe(false);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("records a reported version under the ask's own claim or an ask's live one (the same holder when written), never under a sync's", async () => {
    const logger = { error: jest.fn(), warn: jest.fn(), info: jest.fn() } as unknown as Logger;
    const executor = new CommandExecutor(logger);
    const claimed: AskClaim[] = [{ kind: 'own', tookOver: true, seen: 't1' }, { kind: 'under', owner: 'repair:r1', seen: 't2' }, { kind: 'busy', claim: 's1@later', seen: 't3' }, { kind: 'unlisted', seen: null }];
    const claims = freeClaims(() => claimed.shift()!);
    const holders: (string | null)[] = [];
    const seen: (string | null | undefined)[] = [];
    const lists = {
      reported: async (_s: string, _v: number, holder: string | null, since?: string | null) => (holders.push(holder), seen.push(since), { recorded: true, settled: undefined }),
    } as unknown as LocalListRepository;
    new LocalListEffects(executor, lists, asRepo(claims), config, logger).onModuleInit();
    const ctx = { stationId: 'CP-4', protocol: 'ocpp1.6', connectionId: 'c4', known: true, registration: 'Accepted', validationPolicy: 'strict', call: async () => ({ kind: 'result', payload: { listVersion: 3 } }), expectTriggered: () => undefined } as unknown as StationContext;
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await executor.execute(ctx, { action: 'GetLocalListVersion', payload: {} }));
    // The operator gets the charger's answer as it is, recorded or not.
    expect(replies).toEqual(Array(4).fill({ status: 'ok', payload: { listVersion: 3 } }));
    const [own] = claims.claimAsk.mock.calls[0]!.slice(1, 2) as [string];
    expect(own).toMatch(/^ask:/);
    expect(holders).toEqual([own, 'repair:r1', null]);
    // Each recorded only if no outcome was recorded since its claim was looked at (an operator's SendLocalList takes none).
    expect(seen).toEqual(['t1', 't2', null]);
    expect(logger.info).toHaveBeenCalledWith(expect.objectContaining({ stationId: 'CP-4', reportedVersion: 3, why: expect.stringContaining('s1@later') }), expect.stringContaining('not recorded'));
    // Only its own claim is released (taken over from a lapsed one: left lapsed).
    expect(claims.releaseRepair.mock.calls).toEqual([['CP-4', own, true]]);
    expect(logger.error).not.toHaveBeenCalled();
  });
});
