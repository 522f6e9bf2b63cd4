import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { IdTagRecord } from './id-tag.repository.js';
import type { LocalListSyncRepository, PendingEntry } from './local-list-sync.repository.js';
import { LocalListSync, sameInfo, syncUpdate } from './local-list-sync.js';

const token = (t: Partial<IdTagRecord>): IdTagRecord => ({ idTag: 'A', status: 'Accepted', expiryDate: null, parentIdTag: null, updatedAt: new Date(), ...t });
const entry = (idTag: string, held: Record<string, unknown>, t: IdTagRecord | undefined): PendingEntry => ({ idTag, key: idTag.toLowerCase(), held, mark: 'm', token: t });
const info = (t: IdTagRecord) => ({ status: t.status, expiryDate: t.expiryDate?.toISOString(), parentIdTag: t.parentIdTag ?? undefined });

describe('sameInfo', () => {
  it('compares status, parent and expiry (as an instant, however written)', () => {
    expect(sameInfo({ status: 'Accepted', expiryDate: '2030-01-01T01:00:00+01:00' }, { status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z' })).toBe(true);
    expect(sameInfo({ status: 'Accepted' }, { status: 'Blocked' })).toBe(false);
    expect(sameInfo({ status: 'Accepted' }, { status: 'Accepted', parentIdTag: 'P' })).toBe(false);
    expect(sameInfo({ status: 'Accepted', expiryDate: '2030-01-01T00:00:00Z' }, { status: 'Accepted' })).toBe(false);
  });
});

describe('syncUpdate', () => {
  it('a deleted token is removed (no idTagInfo), a changed one gets its info, in the spelling the list holds; one already right is only settled', () => {
    const right = entry('C', { status: 'Accepted' }, token({ idTag: 'C' }));
    const { send, unchanged } = syncUpdate(
      [entry('a1', { status: 'Accepted' }, undefined), entry('b2', { status: 'Accepted' }, token({ idTag: 'B2', status: 'Blocked' })), right],
      info,
    );
    expect(send).toEqual([{ idTag: 'a1' }, { idTag: 'b2', idTagInfo: { status: 'Blocked' } }]);
    expect(unchanged).toEqual([right]);
  });
});

describe('LocalListSync waiting for a claimed list', () => {
  it("waits out an operator's GetLocalListVersion (it sends nothing) instead of leaving the marks to it as to a new sync", async () => {
    const logger = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() } as unknown as Logger;
    const claims: unknown[] = [{ busy: 'sync-1@t1' }, { busy: 'ask:op-1@t2' }, { busy: 'sync-2@t3' }];
    const repo = { claim: jest.fn(async () => claims.shift()), release: jest.fn(async () => undefined) };
    const repairs = { repair: async () => 'done' as const };
    const registry = { get: () => undefined };
    const sync = new LocalListSync(
      repo as unknown as LocalListSyncRepository,
      repairs as never,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      registry as never,
      { OCPP_CALL_TIMEOUT_MS: 1_000 } as never,
      logger,
    );
    await sync.station('CP-1');
    // Claimed again by another sync (its holder sends the marks): only then does it stop waiting.
    expect(repo.claim).toHaveBeenCalledTimes(3);
    expect(logger.debug).toHaveBeenCalledWith({ stationId: 'CP-1' }, expect.stringContaining('another sync'));
    expect(logger.error).not.toHaveBeenCalled();
  });
});
