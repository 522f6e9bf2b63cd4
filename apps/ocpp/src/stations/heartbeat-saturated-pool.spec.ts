import { jest } from '@jest/globals';
import type { OutboxWriter } from '@cpo/messaging';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { OcppConfig } from '../config.js';
import type { Ocpp16Dispatcher } from '../connection/ocpp16-dispatcher.js';
import type { StationContext } from '../connection/station-context.js';
import type { StationLifecycle } from '../connection/station-lifecycle.js';
import type { ChargerCommits } from '../persistence/charger-commits.js';
import type { ReservationRepository } from '../reservations/reservation.repository.js';
import type { BootTriggers } from './boot-triggers.js';
import type { ConnectorNotices } from './connector-notices.js';
import type { FirmwareReread } from './firmware-reread.js';
import { StationHandlers } from './station.handlers.js';
import type { StationRepository } from './station.repository.js';
import { StationService } from './station.service.js';
import type { StationConfigurationRepository } from './station-configuration.repository.js';
import type { TransferRepository } from './transfer.repository.js';

type Handler = (req: object, ctx: StationContext, call: { receivedAt: Date }) => Promise<object>;

/**
 * A reconnect storm: a thousand boots hold every pool connection and queue for more (seconds each).
 * A connected charger's Heartbeat must still be answered at once; an unanswered one makes chargers
 * drop the connection and reconnect, feeding the storm.
 */
describe('Heartbeat while the database pool is saturated', () => {
  it('is answered without waiting for its last-seen write, which is made once the database has room', async () => {
    let release!: () => void;
    const room = new Promise<void>((r) => (release = r));
    const written: { ids: string[]; at: Date[] }[] = [];
    // The repository's write waits for a pool connection the storm holds.
    const touch = jest.fn(async (_tx: EntityManager, ids: string[], at: Date[]) => {
      await room;
      written.push({ ids, at });
    });
    const manager = {} as EntityManager;
    const db = { manager, transaction: <T>(work: (tx: EntityManager) => Promise<T>) => work(manager) } as unknown as DataSource;
    const stations = { touch } as unknown as StationRepository;
    const service = new StationService(db, stations, {} as TransferRepository, {} as OutboxWriter, {} as ChargerCommits, {} as OcppConfig, { warn: jest.fn() } as unknown as Logger, {} as StationConfigurationRepository);
    const handlers = new Map<string, Handler>();
    const dispatcher = { handle: (action: string, handler: Handler) => handlers.set(action, handler) } as unknown as Ocpp16Dispatcher;
    new StationHandlers(dispatcher, service, {} as StationLifecycle, {} as ReservationRepository, {} as ConnectorNotices, {} as FirmwareReread, {} as BootTriggers).onModuleInit();
    const heartbeat = handlers.get('Heartbeat')!;
    const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s));

    const answered = await Promise.race([
      heartbeat({}, { stationId: 'CP-1' } as StationContext, { receivedAt: at(0) }),
      new Promise((r) => setTimeout(() => r('unanswered after 1 s'), 1_000)),
    ]);

    expect(answered).toEqual({ currentTime: expect.any(String) });
    // Beats arriving meanwhile are coalesced, newest per station.
    await heartbeat({}, { stationId: 'CP-2' } as StationContext, { receivedAt: at(1) });
    await heartbeat({}, { stationId: 'CP-1' } as StationContext, { receivedAt: at(2) });
    release();
    await new Promise((r) => setTimeout(r, 50));
    expect(written.flatMap((w) => w.ids.map((id, i) => `${id}@${w.at[i]!.toISOString()}`))).toEqual(expect.arrayContaining([`CP-1@${at(2).toISOString()}`, `CP-2@${at(1).toISOString()}`]));
  });
});
