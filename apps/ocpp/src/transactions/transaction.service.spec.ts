import { jest } from '@jest/globals';
import { Subjects } from '@cpo/contracts';
import type { OutboxWriter } from '@cpo/messaging';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { BusRequester } from '@cpo/messaging';
import type { Redis } from 'ioredis';
import { AuthorizationService } from '../authorization/authorization.service.js';
import type { IdTagRepository } from '../authorization/id-tag.repository.js';
import type { OcppConfig } from '../config.js';
import { RedisKeys } from '../redis-keys.js';
import type { ReservationRepository } from '../reservations/reservation.repository.js';
import type { StationRepository } from '../stations/station.repository.js';
import type { RemoteStartRepository } from './remote-start.repository.js';
import { TransactionService } from './transaction.service.js';
import type { TransactionRepository, TransactionRow } from './transaction.repository.js';
import { TransactionOwners } from './transaction-owners.js';

const stopped = (idTag: string, idTagStatus: string): TransactionRow => ({
  transactionId: 41,
  stationId: 'CP-1',
  connectorId: 1,
  idTag,
  idTagStatus,
  meterStartWh: 0,
  startedAt: new Date('2026-01-01T10:00:00Z'),
  reservationId: null,
  authorizationReference: null,
  meterStopWh: 100,
  stoppedAt: new Date('2026-01-01T11:00:00Z'),
  stopReason: 'Local',
  stopIdTag: idTag,
  energyWh: 100,
});

/** A retried stop of an already stopped transaction: no writes, only the idTagInfo decision. */
function service(row: TransactionRow, authorize: AuthorizationService['authorize']) {
  const db = { transaction: (work: (tx: unknown) => Promise<unknown>) => work({}) } as unknown as DataSource;
  const transactions = { lockForStop: async () => row } as unknown as TransactionRepository;
  const warn = jest.fn();
  const tx = new TransactionService(
    db,
    transactions,
    { authorize } as unknown as AuthorizationService,
    {} as RemoteStartRepository,
    {} as ReservationRepository,
    {} as OutboxWriter,
    { warn } as unknown as Logger,
    new TransactionOwners(),
    {} as StationRepository,
  );
  return { tx, warn };
}

/** The receipt time of the messages: later than their stamps, as for a charger whose clock is set. */
const RECEIVED = new Date('2026-01-01T12:00:00Z');

const stop = (idTag: string) => ({ transactionId: 41, meterStop: 100, timestamp: '2026-01-01T11:00:00Z', idTag });

describe('TransactionService.stop idTagInfo', () => {
  it('asks for the tag without ConcurrentTx (OCPP 1.6: relevant only to a start)', async () => {
    const authorize = jest.fn<AuthorizationService['authorize']>(async () => ({ status: 'Blocked' }));
    const { tx } = service(stopped('TAG', 'Accepted'), authorize);
    await expect(tx.stop('CP-1', stop('OTHER'), RECEIVED)).resolves.toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(authorize).toHaveBeenCalledWith('CP-1', 'OTHER', { concurrentTx: false });
  });

  it('never fails the stop when the decision fails: the stored status of the same tag, never ConcurrentTx, else Accepted', async () => {
    const failing = async () => Promise.reject(new Error('hub exploded'));
    const blocked = service(stopped('TAG', 'Blocked'), failing);
    await expect(blocked.tx.stop('CP-1', stop('TAG'), RECEIVED)).resolves.toEqual({ idTagInfo: { status: 'Blocked' } });
    expect(blocked.warn).toHaveBeenCalledWith(expect.objectContaining({ err: 'hub exploded', answer: 'Blocked' }), expect.any(String));
    await expect(service(stopped('TAG', 'ConcurrentTx'), failing).tx.stop('CP-1', stop('TAG'), RECEIVED)).resolves.toEqual({ idTagInfo: { status: 'Accepted' } });
    await expect(service(stopped('TAG', 'Blocked'), failing).tx.stop('CP-1', stop('OTHER'), RECEIVED)).resolves.toEqual({ idTagInfo: { status: 'Accepted' } });
  });

  it('takes the stop tag in another case for the tag that started (IdToken is a CiString)', async () => {
    const failing = async () => Promise.reject(new Error('hub exploded'));
    await expect(service(stopped('04A2B3C4', 'Blocked'), failing).tx.stop('CP-1', stop('04a2b3c4'), RECEIVED)).resolves.toEqual({ idTagInfo: { status: 'Blocked' } });
  });
});

describe('TransactionService.start with an empty idTag (a free-vend charger)', () => {
  it('answers it as an unknown tag, never ConcurrentTx nor under a tag lock, and publishes the start without idTag', async () => {
    const authorize = jest.fn<AuthorizationService['authorize']>(async () => ({ status: 'Accepted' }));
    const confirmStart = jest.fn<AuthorizationService['confirmStart']>(async () => ({ status: 'ConcurrentTx' }));
    const enqueue = jest.fn(async () => undefined);
    const row = { ...stopped('', 'Accepted'), transactionId: 42, stoppedAt: null };
    const tx = new TransactionService(
      { transaction: (work: (t: unknown) => Promise<unknown>) => work({}) } as unknown as DataSource,
      { insertOrGet: async () => ({ row, created: true }) } as unknown as TransactionRepository,
      { authorize, confirmStart, authorizationReference: async () => undefined } as unknown as AuthorizationService,
      { started: async () => undefined } as unknown as RemoteStartRepository,
      {} as ReservationRepository,
      { enqueue } as unknown as OutboxWriter,
      { warn: jest.fn(), error: jest.fn() } as unknown as Logger,
      new TransactionOwners(),
      {} as StationRepository,
    );
    await expect(tx.start('CP-1', { connectorId: 2, idTag: '', meterStart: 0, timestamp: '2026-01-01T10:00:00Z' }, RECEIVED)).resolves.toEqual({ transactionId: 42, idTagInfo: { status: 'Accepted' } });
    expect(authorize).toHaveBeenCalledWith('CP-1', '', { concurrentTx: false });
    expect(confirmStart).not.toHaveBeenCalled();
    expect(enqueue).toHaveBeenCalledWith({}, Subjects.OcppTransactionStarted, expect.not.objectContaining({ idTag: expect.anything() }), { validate: false });
    expect(enqueue).toHaveBeenCalledWith({}, Subjects.OcppTransactionStarted, expect.objectContaining({ transactionId: 42, connectorId: 2 }), { validate: false });
  });
});

describe('TransactionService.start of an eMSP START_SESSION token (not ConcurrentTx at its station)', () => {
  it('reads Redis before the database transaction, never while it holds it open (and its pooled connection)', async () => {
    const config = { NATS_SUBJECT_PREFIX: 't', OCPP_REMOTE_AUTHORIZE_TIMEOUT_MS: 100, OCPP_UNKNOWN_TOKEN_DEFAULT: 'Invalid' } as OcppConfig;
    let inTransaction = false;
    const redisInTransaction: string[] = [];
    const store = new Map<string, string>();
    const redis = {
      set: async (k: string, v: string) => (store.set(k, v), 'OK'),
      get: async (k: string) => (inTransaction && redisInTransaction.push(k), store.get(k) ?? null),
      del: async (...keys: string[]) => keys.filter((k) => store.delete(k)).length,
    } as unknown as Redis;
    const tags = { find: async () => undefined, inActiveTransaction: async () => true, lockStarts: async () => undefined } as unknown as IdTagRepository;
    const auth = new AuthorizationService(tags, {} as BusRequester, new RedisKeys(config), redis, config, { warn: jest.fn() } as unknown as Logger);
    await auth.rememberCommanded('CP-1', 'APP-1', 'ref-1');
    const row = { ...stopped('APP-1', 'Accepted'), transactionId: 43, stoppedAt: null };
    const db = {
      transaction: async (work: (t: unknown) => Promise<unknown>) => {
        inTransaction = true;
        try {
          return await work({});
        } finally {
          inTransaction = false;
        }
      },
    } as unknown as DataSource;
    const tx = new TransactionService(
      db,
      { insertOrGet: async (_t: unknown, r: { idTagStatus: string }) => ({ row: { ...row, idTagStatus: r.idTagStatus }, created: true }) } as unknown as TransactionRepository,
      auth,
      { started: async () => undefined } as unknown as RemoteStartRepository,
      { heldOn: async () => [] } as unknown as ReservationRepository,
      { enqueue: async () => undefined } as unknown as OutboxWriter,
      { warn: jest.fn(), error: jest.fn() } as unknown as Logger,
      new TransactionOwners(),
      {} as StationRepository,
    );
    // Stamped before its receipt: a stamp far ahead of it would be kept as sent (another path, time.ts).
    const answer = await tx.start('CP-1', { connectorId: 1, idTag: 'APP-1', meterStart: 0, timestamp: new Date(RECEIVED.getTime() - 1000).toISOString() }, RECEIVED);
    expect(answer).toMatchObject({ transactionId: 43, idTagInfo: { status: 'Accepted' } });
    expect(redisInTransaction).toEqual([]);
  });
});

describe('TransactionService.start ends the reservation its tag held (OCPP 1.6 §5.13), reservationId or not', () => {
  const reservation = { reservationId: 7, connectorId: 0, idTag: 'CARD-1', parentIdTag: null, expiryDate: new Date('2026-01-01T11:00:00Z'), createdAt: new Date('2026-01-01T09:00:00Z') };

  function starting(opts: { created: boolean; status?: 'Accepted' | 'Blocked'; namedHeld?: boolean }) {
    const row = { ...stopped('CARD-1', opts.status ?? 'Accepted'), transactionId: 44, stoppedAt: null };
    const markUsed = jest.fn(async () => opts.namedHeld ?? false);
    const heldOn = jest.fn(async () => [reservation]);
    const tx = new TransactionService(
      { transaction: (work: (t: unknown) => Promise<unknown>) => work({}) } as unknown as DataSource,
      { insertOrGet: async () => ({ row, created: opts.created }) } as unknown as TransactionRepository,
      {
        authorize: async () => ({ status: opts.status ?? 'Accepted' }),
        confirmStart: async (_t: unknown, _s: string, _i: string, info: unknown) => info,
        authorizationReference: async () => undefined,
        commandedHere: async () => false,
      } as unknown as AuthorizationService,
      { started: async () => undefined } as unknown as RemoteStartRepository,
      { markUsed, heldOn } as unknown as ReservationRepository,
      { enqueue: async () => undefined } as unknown as OutboxWriter,
      { warn: jest.fn(), error: jest.fn() } as unknown as Logger,
      new TransactionOwners(),
      {} as StationRepository,
    );
    return { tx, markUsed, heldOn };
  }
  const req = { connectorId: 2, idTag: 'card-1', meterStart: 0, timestamp: '2026-01-01T10:00:00Z' };

  it('a start without reservationId marks the held reservation of its tag Used by the transaction, even one answered Blocked', async () => {
    for (const status of ['Accepted', 'Blocked'] as const) {
      const { tx, markUsed } = starting({ created: true, status });
      await tx.start('CP-1', req, RECEIVED);
      expect(markUsed).toHaveBeenCalledWith({}, 'CP-1', 7, 44);
    }
  });

  it('a start naming a held reservation ends that one only; one naming none held falls back to its tag', async () => {
    const named = starting({ created: true, namedHeld: true });
    await named.tx.start('CP-1', { ...req, reservationId: 3 }, RECEIVED);
    expect(named.markUsed.mock.calls).toEqual([[{}, 'CP-1', 3, 44]]);
    expect(named.heldOn).not.toHaveBeenCalled();
    const unknown = starting({ created: true, namedHeld: false });
    await unknown.tx.start('CP-1', { ...req, reservationId: 3 }, RECEIVED);
    expect(unknown.markUsed.mock.calls).toEqual([[{}, 'CP-1', 3, 44], [{}, 'CP-1', 7, 44]]);
  });

  it('a retried start (the same id returned) ends nothing again', async () => {
    const { tx, markUsed, heldOn } = starting({ created: false });
    await expect(tx.start('CP-1', req, RECEIVED)).resolves.toMatchObject({ transactionId: 44 });
    expect(markUsed).not.toHaveBeenCalled();
    expect(heldOn).not.toHaveBeenCalled();
  });
});

describe('TransactionService.stop of a start taken at its stamp as sent, the clock offset established since', () => {
  const HOUR = 3_600_000;
  /** A clock 3 h behind: the start (stamp 14:00, received 17:00 in the connection's first minute) was taken as sent. */
  const running = (startSentAt: Date | null): TransactionRow => ({
    ...stopped('TAG', 'Accepted'),
    startedAt: startSentAt === null ? new Date('2026-12-06T14:00:00Z') : new Date('2026-12-06T17:00:00Z'),
    startSentAt,
    meterStopWh: null,
    stoppedAt: null,
    stopReason: null,
    stopIdTag: null,
    energyWh: null,
  });

  async function stoppedAt(row: TransactionRow): Promise<{ at: Date; dataAt: string }> {
    const stop = jest.fn<(tx: unknown, id: number, s: { stoppedAt: Date }) => Promise<void>>(async () => undefined);
    const insertMeterReadings = jest.fn<(tx: unknown, r: { sampledAt: string }[]) => Promise<void>>(async () => undefined);
    const transactions = { lockForStop: async () => row, stop, insertMeterReadings, keepMessage: async () => undefined, sessionRegisters: async () => [] } as unknown as TransactionRepository;
    const service = new TransactionService(
      { transaction: (work: (tx: unknown) => Promise<unknown>) => work({}) } as unknown as DataSource,
      transactions,
      {} as AuthorizationService,
      {} as RemoteStartRepository,
      {} as ReservationRepository,
      { enqueue: async () => undefined } as unknown as OutboxWriter,
      { warn: jest.fn(), error: jest.fn() } as unknown as Logger,
      new TransactionOwners(),
      {} as StationRepository,
    );
    const data = [{ timestamp: '2026-12-06T14:59:00Z', sampledValue: [{ value: '1400' }] }];
    await service.stop('CP-1', { transactionId: 41, meterStop: 1500, timestamp: '2026-12-06T14:59:59Z', idTag: '', transactionData: data }, new Date('2026-12-06T18:00:00Z'), 3 * HOUR);
    return { at: stop.mock.calls[0]![2].stoppedAt, dataAt: insertMeterReadings.mock.calls[0]![1][0]!.sampledAt };
  }

  it('stops it at the stop as sent, its transactionData as sent: one hour, not four', async () => {
    expect(await stoppedAt(running(null))).toEqual({ at: new Date('2026-12-06T14:59:59Z'), dataAt: '2026-12-06T14:59:00.000Z' });
  });

  it('corrects the stop of a start corrected (its stamp as sent in start_sent_at)', async () => {
    expect(await stoppedAt(running(new Date('2026-12-06T14:00:00Z')))).toEqual({ at: new Date('2026-12-06T17:59:59Z'), dataAt: '2026-12-06T17:59:00.000Z' });
  });
});
