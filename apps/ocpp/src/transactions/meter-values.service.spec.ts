import { jest } from '@jest/globals';
import type { OutboxWriter } from '@cpo/messaging';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { ChargerCommits } from '../persistence/charger-commits.js';
import { MeterValuesService } from './meter-values.service.js';
import { TransactionOwners } from './transaction-owners.js';
import type { TransactionRepository } from './transaction.repository.js';

describe('MeterValuesService.record from a charger whose clock stays unset', () => {
  it('warns once per station and interval, not once per MeterValues for ever (one per sample interval per charger)', async () => {
    const warn = jest.fn();
    const submit = jest.fn(async () => undefined);
    const owners = new TransactionOwners();
    owners.remember(7, 'CP-1');
    owners.remember(8, 'CP-2');
    const service = new MeterValuesService({} as DataSource, {} as TransactionRepository, {} as OutboxWriter, { submit } as unknown as ChargerCommits, owners, { warn } as unknown as Logger);
    const mv = (transactionId: number) => ({ connectorId: 1, transactionId, meterValue: [{ timestamp: '1970-01-01T00:10:00Z', sampledValue: [{ value: '100' }] }] });
    const start = Date.parse('2026-12-06T18:00:00Z');
    for (let i = 0; i < 60; i++) await service.record('CP-1', mv(7), new Date(start + i * 10_000), new Date(start));
    expect(submit).toHaveBeenCalledTimes(60); // every reading is still stored
    expect(warn).toHaveBeenCalledTimes(1);
    await service.record('CP-2', mv(8), new Date(start), new Date(start));
    expect(warn).toHaveBeenCalledTimes(2); // another charger is news
    // Much later, the condition is logged again, with how many went unlogged meanwhile.
    await service.record('CP-1', mv(7), new Date(start + 3_600_000), new Date(start));
    expect(warn).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenLastCalledWith(expect.objectContaining({ stationId: 'CP-1', unloggedSince: 59 }), expect.any(String));
  });
});

describe("MeterValuesService.record from a charger naming another station's transaction", () => {
  it('attaches every reading by connector and time but warns once per station and interval, with the count left unlogged in the next line', async () => {
    const warn = jest.fn();
    const db = { transaction: async <T>(work: (tx: unknown) => Promise<T>) => work({}) } as unknown as DataSource;
    const activeAt = jest.fn(async (_tx: unknown, keys: unknown[]) => keys.map(() => 41));
    const transactions = { activeAt, stationsOf: async () => new Map([[7, 'CP-2']]), insertMeterReadings: async () => undefined } as unknown as TransactionRepository;
    const outbox = { enqueueMany: async () => undefined } as unknown as OutboxWriter;
    // The charger is stuck on a transaction id that another station's session has.
    const service = new MeterValuesService(db, transactions, outbox, {} as ChargerCommits, new TransactionOwners(), { warn } as unknown as Logger);
    const start = Date.parse('2026-12-06T18:00:00Z');
    const mv = (i: number) => ({ connectorId: 1, transactionId: 7, meterValue: [{ timestamp: new Date(start + i * 10_000).toISOString(), sampledValue: [{ value: '100' }] }] });
    for (let i = 0; i < 20; i++) await service.record('CP-1', mv(i), new Date(start + i * 10_000), new Date(start - 3_600_000));
    expect(activeAt).toHaveBeenCalledTimes(20); // every message is still attached by its connector
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenLastCalledWith(expect.objectContaining({ stationId: 'CP-1', transactionId: 7, owner: 'CP-2', unloggedSince: 0 }), expect.any(String));
    // Much later the condition is logged again, with how many went unlogged meanwhile.
    await service.record('CP-1', mv(360), new Date(start + 3_600_000), new Date(start - 3_600_000));
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenLastCalledWith(expect.objectContaining({ stationId: 'CP-1', unloggedSince: 19 }), expect.any(String));
  });
});

describe('MeterValuesService.record of a reading sampled before its connection opened (a possible resend)', () => {
  const start = Date.parse('2026-12-06T18:00:00Z');
  const mv = (sampledAt: number) => ({ connectorId: 1, transactionId: 7, meterValue: [{ timestamp: new Date(sampledAt).toISOString(), sampledValue: [{ value: '100' }] }] });

  function service(stored: boolean) {
    const submit = jest.fn(async () => undefined);
    const query = jest.fn(async (_sql: string, _params: unknown[]) => (stored ? [] : [{ ord: 0 }]));
    const db = { transaction: async <T>(work: (tx: unknown) => Promise<T>) => work({ query }) } as unknown as DataSource;
    const insertMeterReadings = jest.fn(async () => undefined);
    const enqueueMany = jest.fn(async (_tx: unknown, _events: unknown[]) => undefined);
    const transactions = { insertMeterReadings, activeAt: async () => [], stationsOf: async () => new Map() } as unknown as TransactionRepository;
    const owners = new TransactionOwners();
    owners.remember(7, 'CP-1');
    const meter = new MeterValuesService(db, transactions, { enqueueMany } as unknown as OutboxWriter, { submit } as unknown as ChargerCommits, owners, { warn: jest.fn() } as unknown as Logger);
    return { meter, submit, query, enqueueMany, published: () => enqueueMany.mock.calls.flatMap(([, events]) => events) };
  }

  it('skips it when an equal reading is stored (its first copy, sent on an earlier connection), publishing nothing', async () => {
    const s = service(true);
    await s.meter.record('CP-1', mv(start - 1_000), new Date(start + 2_000), new Date(start));
    expect(s.submit).not.toHaveBeenCalled();
    expect(s.query).toHaveBeenCalledWith(expect.stringContaining('NOT EXISTS'), expect.any(Array));
    expect(s.published()).toEqual([]);
  });

  it('stores and publishes it when none is', async () => {
    const s = service(false);
    await s.meter.record('CP-1', mv(start - 1_000), new Date(start + 2_000), new Date(start));
    expect(s.published()).toEqual([expect.objectContaining({ payload: expect.objectContaining({ stationId: 'CP-1', transactionId: 7 }) })]);
  });

  it('leaves a reading sampled on this connection to the group commit, unchecked', async () => {
    const s = service(true);
    await s.meter.record('CP-1', mv(start + 60_000), new Date(start + 60_500), new Date(start));
    expect(s.submit).toHaveBeenCalledTimes(1);
    expect(s.query).not.toHaveBeenCalled();
  });
});

describe('MeterValuesService.record with the connection clock offset', () => {
  it('puts a value sampled as sent at its stamp corrected by the offset, a value held longer at its stamp, an unset clock at receipt', async () => {
    const submit = jest.fn(async (_part: unknown, _item: { at: Date[] }) => undefined);
    const owners = new TransactionOwners();
    owners.remember(7, 'CP-1');
    const service = new MeterValuesService({} as DataSource, {} as TransactionRepository, {} as OutboxWriter, { submit } as unknown as ChargerCommits, owners, { warn: jest.fn() } as unknown as Logger);
    const receivedAt = new Date('2026-12-07T12:00:00Z');
    const behind = 3 * 3_600_000;
    const values = ['2026-12-07T08:59:50Z', '2026-12-07T08:00:00Z', '1970-01-01T00:10:00Z'].map((timestamp) => ({ timestamp, sampledValue: [{ value: '100' }] }));
    await service.record('CP-1', { connectorId: 1, transactionId: 7, meterValue: values }, receivedAt, new Date('2026-12-07T11:00:00Z'), behind);
    expect(submit.mock.calls[0]![1].at).toEqual([new Date('2026-12-07T11:59:50Z'), new Date('2026-12-07T08:00:00Z'), receivedAt]);
  });

  it('keeps the stamp as sent of a reading stored elsewhere (a resend is matched on it), and no array for a message stored at its stamps', async () => {
    const submit = jest.fn(async (_part: unknown, _item: { sentAt?: (string | undefined)[] }) => undefined);
    const owners = new TransactionOwners();
    owners.remember(7, 'CP-1');
    const service = new MeterValuesService({} as DataSource, {} as TransactionRepository, {} as OutboxWriter, { submit } as unknown as ChargerCommits, owners, { warn: jest.fn() } as unknown as Logger);
    const receivedAt = new Date('2026-12-07T12:00:00Z');
    const values = ['2026-12-07T08:59:50Z', '2026-12-07T08:00:00Z', '1970-01-01T00:10:00Z'].map((timestamp) => ({ timestamp, sampledValue: [{ value: '100' }] }));
    await service.record('CP-1', { connectorId: 1, transactionId: 7, meterValue: values }, receivedAt, new Date('2026-12-07T11:00:00Z'), 3 * 3_600_000);
    expect(submit.mock.calls[0]![1].sentAt).toEqual(['2026-12-07T08:59:50.000Z', undefined, undefined]);
    await service.record('CP-1', { connectorId: 1, transactionId: 7, meterValue: [{ timestamp: '2026-12-07T11:59:59Z', sampledValue: [{ value: '100' }] }] }, receivedAt, new Date('2026-12-07T11:00:00Z'));
    expect(submit.mock.calls[1]![1].sentAt).toBeUndefined();
  });
});
