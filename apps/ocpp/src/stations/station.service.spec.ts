import { jest } from '@jest/globals';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { OutboxWriter } from '@cpo/messaging';
import type { OcppConfig } from '../config.js';
import type { StationContext } from '../connection/station-context.js';
import type { ChargerCommits } from '../persistence/charger-commits.js';
import type { StationRepository } from './station.repository.js';
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
    const stations = { recordBoot: async () => ({ changed: false }) } as unknown as StationRepository;
    const outbox = { enqueue: jest.fn(async () => undefined) } as unknown as OutboxWriter;
    const config = { OCPP_HEARTBEAT_INTERVAL_S: 300, OCPP_BOOT_RETRY_INTERVAL_S: 60 } as OcppConfig;
    const service = new StationService(db, stations, {} as TransferRepository, outbox, {} as ChargerCommits, config, {} as Logger);

    const { response } = await service.boot({ stationId: 'CP-1' } as StationContext, { chargePointVendor: 'Acme', chargePointModel: 'S1' }, RECEIVED);

    expect(response).toEqual({ status: 'Accepted', interval: 300, currentTime: new Date(RECEIVED.getTime() + COMMIT_MS).toISOString() });
    // The boot itself is still recorded at its receipt.
    expect(outbox.enqueue).toHaveBeenCalledWith(expect.anything(), expect.any(String), expect.objectContaining({ bootedAt: RECEIVED.toISOString() }), { validate: false });
  });
});
