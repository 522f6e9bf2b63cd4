import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { OutboxWriter } from '@cpo/messaging';
import type { OcppConfig } from '../config.js';
import type { StationContext } from '../connection/station-context.js';
import type { ChargerCommits } from '../persistence/charger-commits.js';
import type { StationRepository } from './station.repository.js';
import type { StationConfigurationRepository } from './station-configuration.repository.js';
import type { TransferRepository } from './transfer.repository.js';
import { StationService } from './station.service.js';

const RECEIVED = new Date('2026-03-01T10:00:00.000Z');
/** How long the boot's transaction took (a reconnect storm, a lock): the charger's clock is set from the answer. */
const COMMIT_MS = 4_000;

describe('StationService.boot', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: RECEIVED, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it("answers the central system's time when it answers (OCPP 1.6 §4.2), not when the boot arrived", async () => {
    const db = {
      query: jest.fn(),
      transaction: async <T>(work: (tx: EntityManager) => Promise<T>): Promise<T> => {
        const result = await work({ query: async () => [{ registration_status: 'Accepted' }] } as unknown as EntityManager);
        jest.setSystemTime(RECEIVED.getTime() + COMMIT_MS);
        return result;
      },
    } as unknown as DataSource;
    const stations = { recordBoot: async () => ({ changed: false, bootedAt: RECEIVED }) } as unknown as StationRepository;
    const outbox = { enqueue: jest.fn(async () => undefined) } as unknown as OutboxWriter;
    const config = { OCPP_HEARTBEAT_INTERVAL_S: 300, OCPP_BOOT_RETRY_INTERVAL_S: 60 } as OcppConfig;
    const service = new StationService(db, stations, {} as TransferRepository, outbox, {} as ChargerCommits, config, {} as Logger, {} as StationConfigurationRepository);

    const { response } = await service.boot({ stationId: 'CP-1' } as StationContext, { chargePointVendor: 'Acme', chargePointModel: 'S1' }, RECEIVED);

    expect(response).toEqual({ status: 'Accepted', interval: 300, currentTime: new Date(RECEIVED.getTime() + COMMIT_MS).toISOString() });
    // The boot itself is still recorded at its receipt.
    expect(outbox.enqueue).toHaveBeenCalledWith(expect.anything(), expect.any(String), expect.objectContaining({ bootedAt: RECEIVED.toISOString() }), { validate: false });
  });
});

describe('StationService.status from a charger whose clock stays unset', () => {
  it('orders every status by its receipt but warns once per station and interval, not once per status for ever', async () => {
    const warn = jest.fn();
    const submit = jest.fn(async () => undefined);
    const service = new StationService({} as DataSource, {} as StationRepository, {} as TransferRepository, {} as OutboxWriter, { submit } as unknown as ChargerCommits, {} as OcppConfig, { warn } as unknown as Logger, {} as StationConfigurationRepository);
    const status = { connectorId: 1, status: 'Available' as const, errorCode: 'NoError' as const, timestamp: '1970-01-01T00:00:07Z' };
    for (let i = 0; i < 20; i++) await service.status('CP-1', status, new Date(RECEIVED.getTime() + i * 1000));
    expect(submit).toHaveBeenCalledTimes(20);
    expect(submit).toHaveBeenLastCalledWith(expect.anything(), expect.objectContaining({ statusAt: new Date(RECEIVED.getTime() + 19_000) }));
    expect(warn).toHaveBeenCalledTimes(1);
    await service.status('CP-2', status, RECEIVED);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('StationService.status from a charger whose clock runs ahead', () => {
  it('orders every status by its receipt but warns once per station and interval (a clock a few seconds fast is common and stays so)', async () => {
    const warn = jest.fn();
    const submit = jest.fn(async () => undefined);
    const service = new StationService({} as DataSource, {} as StationRepository, {} as TransferRepository, {} as OutboxWriter, { submit } as unknown as ChargerCommits, {} as OcppConfig, { warn } as unknown as Logger, {} as StationConfigurationRepository);
    for (let i = 0; i < 20; i++) {
      const receivedAt = new Date(RECEIVED.getTime() + i * 1000);
      const timestamp = new Date(receivedAt.getTime() + 60_000).toISOString();
      await service.status('CP-1', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp }, receivedAt);
    }
    expect(submit).toHaveBeenCalledTimes(20);
    expect(submit).toHaveBeenLastCalledWith(expect.anything(), expect.objectContaining({ statusAt: new Date(RECEIVED.getTime() + 19_000) }));
    expect(warn).toHaveBeenCalledTimes(1);
    await service.status('CP-2', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: new Date(RECEIVED.getTime() + 60_000).toISOString() }, RECEIVED);
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('StationService: the statuses of a group commit', () => {
  it('are written by one statement text whatever the batch (planned once by PostgreSQL, not once per batch)', () => {
    const texts: string[] = [];
    const outbox = {
      statement: (_events: unknown[], _first: number, o: { keepOrdinals: string }) => ({ cte: `status_outbox AS (${o.keepOrdinals})`, params: [] }),
    } as unknown as OutboxWriter;
    const service = new StationService({} as DataSource, {} as StationRepository, {} as TransferRepository, outbox, {} as ChargerCommits, {} as OcppConfig, {} as Logger, {} as StationConfigurationRepository);
    const part = (service as unknown as { statusPart: { build: (rows: unknown[], first: number) => { ctes: string } } }).statusPart;
    const row = (connectorId: number, byReceipt: boolean) => ({
      stationId: 'CP-1', connectorId, status: 'Charging', errorCode: 'NoError', statusAt: RECEIVED, byReceipt, receivedAt: RECEIVED,
    });
    texts.push(part.build([row(1, false), row(2, true)], 1).ctes);
    texts.push(part.build([row(1, true), row(2, false)], 1).ctes);
    expect(texts[1]).toBe(texts[0]);
  });
});
