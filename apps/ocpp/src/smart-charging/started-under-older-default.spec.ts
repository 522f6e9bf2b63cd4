import { jest } from '@jest/globals';
import pino from 'pino';
import type { StationContext } from '../connection/station-context.js';
import { TransactionNotices } from '../transactions/transaction-notices.js';
import { RunningTransactionCap } from './running-transaction-cap.js';
import { StartedUnderOlderDefault } from './started-under-older-default.js';

describe('StartedUnderOlderDefault', () => {
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
      { inTurn: (_stationId: string, work: () => Promise<unknown>) => work() } as never,
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

  it("waits once for the station's passes for a backlog of starts delivered while a pass hung on an unanswered call, not once per start", async () => {
    const notices = new TransactionNotices(silent);
    // Every start is one the charger began under an older default (its connector's default accepted after it).
    const row = { station_id: 'CP-1', charging_profile_id: 1, connector_id: 1, stack_level: 0, state: 'applied', applied: { chargingProfilePurpose: 'TxDefaultProfile' }, attempts: 0, tx_connector_id: 1 };
    const query = jest.fn(async () => [row] as unknown[]);
    // The station's first turn hangs until released (a pass waiting out a call timeout).
    let release!: () => void;
    let firstPass!: () => void;
    const firstPassCalled = new Promise<void>((r) => (firstPass = r));
    const hung = new Promise<void>((r) => (release = r));
    const inTurn = jest.fn(async (_stationId: string, work: () => Promise<unknown>) => {
      if (inTurn.mock.calls.length === 1) {
        firstPass();
        await hung;
      }
      return work();
    });
    const held = jest.fn(async () => false);
    const s = new StartedUnderOlderDefault(
      notices,
      { afterAnswer: () => undefined } as never,
      { query } as never,
      { capabilities: async () => ({ txDefaultSkipsRunningTransaction: true }) } as never,
      { mayHoldOlderDefault: () => true, startedUnderOlderDefault: held } as never,
      { inTurn } as never,
      silent,
    );
    s.onModuleInit();
    notices.started(ctx, { transactionId: 1, connectorId: 1 });
    await firstPassCalled;
    for (let id = 2; id <= 50; id++) notices.started(ctx, { transactionId: id, connectorId: 1 });
    release();
    await s.settled();
    expect(held).toHaveBeenCalledTimes(50);
    // One turn for the 50 (a pass each, one timeout each, before).
    expect(inTurn).toHaveBeenCalledTimes(1);
  });

  it("looks nothing up at the starts of a station whose only TxDefaultProfile accepted is an operator's (no grid limits there)", async () => {
    const notices = new TransactionNotices(silent);
    const query = jest.fn(async () => [] as unknown[]);
    const hooks = new Map<string, (ctx: StationContext, payload: unknown, answer: Record<string, unknown>) => Promise<void>>();
    const cap = new RunningTransactionCap({} as never, {} as never, {} as never, {} as never, {} as never, {} as never, {} as never, silent);
    const s = new StartedUnderOlderDefault(
      notices,
      { afterAnswer: (action: string, hook: never) => hooks.set(action, hook) } as never,
      { query } as never,
      {} as never,
      cap,
      { inTurn: (_stationId: string, work: () => Promise<unknown>) => work() } as never,
      silent,
    );
    s.onModuleInit();
    const operatorDefault = { connectorId: 1, csChargingProfiles: { chargingProfileId: 7, stackLevel: 0, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } } };
    await hooks.get('SetChargingProfile')!(ctx, operatorDefault, { status: 'Accepted' });
    notices.started(ctx, { transactionId: 7, connectorId: 1 });
    await s.settled();
    expect(query).not.toHaveBeenCalled();
    // A grid limit's default (id 101) accepted through the socket: its starts are looked up.
    await hooks.get('SetChargingProfile')!(ctx, { ...operatorDefault, csChargingProfiles: { ...operatorDefault.csChargingProfiles, chargingProfileId: 101 } }, { status: 'Accepted' });
    notices.started(ctx, { transactionId: 8, connectorId: 1 });
    await s.settled();
    expect(query).toHaveBeenCalledTimes(1);
  });
});
