import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Headers, sampleEvents, Subjects } from '@cpo/contracts';
import { BusNames, decodeMessage, type BusEvent, type ConsumerHost, type ConsumerSpec } from '@cpo/messaging';
import type { JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { EntityManager } from 'typeorm';
import type { ReplanRequests } from '../replan/replan-requests.js';
import type { LiveStateRepository } from './live-state.repository.js';
import { OcppStateConsumer } from './ocpp-state.consumer.js';

const names = new BusNames('t');
const tx = {} as EntityManager;

/** The event as the consumer host hands it over: decoded and checked against the contract. */
function delivered(subject: string, payload: object, occurredAt: string): BusEvent {
  const h = natsHeaders();
  h.set(Headers.EventId, randomUUID());
  h.set(Headers.SchemaVersion, '1');
  h.set(Headers.OccurredAt, occurredAt);
  const msg = { subject: names.subject(subject), data: new TextEncoder().encode(JSON.stringify(payload)), headers: h, info: { deliveryCount: 1, streamSequence: 1 } };
  const decoded = decodeMessage(msg as unknown as JsMsg, names);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.event;
}

describe('OcppStateConsumer', () => {
  it('counts a session started without an idTag (a free-vend charger) on its connector, and re-plans its station', async () => {
    let spec!: ConsumerSpec;
    const host = { register: (s: ConsumerSpec) => (spec = s) } as unknown as ConsumerHost;
    const sessionStarted = jest.fn(async () => undefined);
    const requestForStation = jest.fn();
    new OcppStateConsumer(host, { sessionStarted } as unknown as LiveStateRepository, { requestForStation } as unknown as ReplanRequests).onModuleInit();

    const started = delivered(Subjects.OcppTransactionStarted, { stationId: 'CP-F', connectorId: 2, transactionId: 41, meterStartWh: 0, startedAt: '2026-01-01T10:00:00Z' }, '2026-01-01T10:00:01Z');
    await spec.handler!(started, tx);
    spec.afterCommit!([started]);

    expect(sessionStarted).toHaveBeenCalledWith(tx, 'CP-F', 2, 41, new Date('2026-01-01T10:00:00Z'));
    expect(requestForStation).toHaveBeenCalledWith('CP-F', Subjects.OcppTransactionStarted, false);
  });

  it('records a boot at the time the ocpp service took it, whatever registration it answered, and re-plans its group at once', async () => {
    let spec!: ConsumerSpec;
    const host = { register: (s: ConsumerSpec) => (spec = s) } as unknown as ConsumerHost;
    const booted = jest.fn(async () => undefined);
    const requestForStation = jest.fn();
    new OcppStateConsumer(host, { booted } as unknown as LiveStateRepository, { requestForStation } as unknown as ReplanRequests).onModuleInit();

    const payload = { stationId: 'CP-B', vendor: 'V', model: 'M', registrationStatus: 'Pending', intervalS: 60, bootedAt: '2026-01-01T10:00:00Z' };
    const event = delivered(Subjects.OcppStationBooted, payload, '2026-01-01T10:00:01Z');
    await spec.handler!(event, tx);
    spec.afterCommit!([event]);

    expect(booted).toHaveBeenCalledWith(tx, 'CP-B', new Date('2026-01-01T10:00:00Z'));
    expect(requestForStation).toHaveBeenCalledWith('CP-B', Subjects.OcppStationBooted, true);
  });

  it.each([Subjects.OcppRemoteStartSettled, Subjects.OcppReservationUpdated, Subjects.OcppFirmwareStatus, Subjects.OcppDiagnosticsStatus])(
    'acknowledges %s (a late command outcome the allocator does not use) without touching state or re-planning',
    async (subject) => {
      let spec!: ConsumerSpec;
      const host = { register: (s: ConsumerSpec) => (spec = s) } as unknown as ConsumerHost;
      // Any call on the state would throw: the event must change nothing.
      const state = new Proxy({}, { get: () => () => Promise.reject(new Error('state touched')) }) as LiveStateRepository;
      const requestForStation = jest.fn();
      new OcppStateConsumer(host, state, { requestForStation } as unknown as ReplanRequests).onModuleInit();

      // Decoded by the host's own rules: an unknown subject would fail here, as it is dead-lettered there.
      const event = delivered(subject, sampleEvents[subject], '2026-01-01T10:00:01Z');
      await expect(spec.handler!(event, tx)).resolves.toBeUndefined();
      spec.afterCommit!([event]);

      expect(requestForStation).not.toHaveBeenCalled();
    },
  );
});
