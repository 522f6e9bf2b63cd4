import { jest } from '@jest/globals';
import pino from 'pino';
import type { StationContext } from '../connection/station-context.js';
import { TransactionNotices } from '../transactions/transaction-notices.js';
import { StartedUnderOlderDefault } from './started-under-older-default.js';

describe('StartedUnderOlderDefault at shutdown', () => {
  const silent = pino({ level: 'silent' });
  const ctx = { stationId: 'CP-1', registration: 'Accepted' } as unknown as StationContext;

  function service() {
    const notices = new TransactionNotices(silent);
    const query = jest.fn(async () => [] as unknown[]);
    const s = new StartedUnderOlderDefault(
      notices,
      { afterAnswer: () => undefined } as never,
      { query } as never,
      {} as never,
      { mayHoldOlderDefault: () => true } as never,
      { dispatch: async () => undefined } as never,
      silent,
    );
    s.onModuleInit();
    return { notices, query, s };
  }

  it('looks up a start answered before shutdown, and waits for it', async () => {
    const { notices, query, s } = service();
    notices.started(ctx, { transactionId: 7, connectorId: 1 });
    await s.onModuleDestroy();
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('holds no start answered once shutdown began: the sessions close next and the database after them, with nobody waiting for that work', async () => {
    const { notices, query, s } = service();
    await s.onModuleDestroy();
    notices.started(ctx, { transactionId: 7, connectorId: 1 });
    await s.settled();
    await new Promise((r) => setImmediate(r));
    expect(query).not.toHaveBeenCalled();
  });
});
