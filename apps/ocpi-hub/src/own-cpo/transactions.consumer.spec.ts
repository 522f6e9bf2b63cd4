import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Headers, Subjects, type OcppTransactionStarted } from '@cpo/contracts';
import { BusNames, decodeMessage, type BusEvent, type ConsumerHost, type ConsumerSpec } from '@cpo/messaging';
import type { JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { pino } from 'pino';
import type { EntityManager } from 'typeorm';
import type { OwnDelivery, OwnDeliveryService } from './own-delivery.service.js';
import type { OwnSessionsService } from './own-sessions.service.js';
import { TransactionsConsumer } from './transactions.consumer.js';

const names = new BusNames('t');
const tx = {} as EntityManager;
/** When ocpp wrote the event (its receipt of the StartTransaction). */
const OCCURRED_AT = '2026-01-01T10:00:01.000Z';

/** The event as the consumer host hands it over: decoded and checked against the contract. */
function delivered(payload: object, subject: string = Subjects.OcppTransactionStarted): BusEvent {
  const h = natsHeaders();
  h.set(Headers.EventId, randomUUID());
  h.set(Headers.SchemaVersion, '1');
  h.set(Headers.OccurredAt, OCCURRED_AT);
  const msg = { subject: names.subject(subject), data: new TextEncoder().encode(JSON.stringify(payload)), headers: h, info: { deliveryCount: 1, streamSequence: 1 } };
  const decoded = decodeMessage(msg as unknown as JsMsg, names);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.event;
}

function consumer() {
  const specs = new Map<string, ConsumerSpec>();
  const host = { register: (spec: ConsumerSpec) => specs.set(spec.filterSubject, spec) } as unknown as ConsumerHost;
  const put: OwnDelivery = { emsp: { countryCode: 'NL', partyId: 'EMP' }, module: 'sessions', method: 'PUT', objectId: '7', body: {}, correlationId: 'c' };
  const started = jest.fn(async (_tx: EntityManager, _e: OcppTransactionStarted, _c: string, _occurredAt?: string) => [put]);
  const deliver = jest.fn(async (_d: OwnDelivery) => undefined);
  new TransactionsConsumer(host, { started } as unknown as OwnSessionsService, { deliver } as unknown as OwnDeliveryService, pino({ level: 'silent' })).onModuleInit();
  return { spec: specs.get(Subjects.OcppTransactionStarted)!, started, deliver };
}

describe('TransactionsConsumer: ocpp.transaction.started', () => {
  const start = { stationId: 'CP-1', connectorId: 1, transactionId: 7, meterStartWh: 0, startedAt: '2026-01-01T10:00:00Z' };

  it('a start without an idTag (free vend) is acknowledged as no roaming Session: no token route asked, nothing sent', async () => {
    const { spec, started, deliver } = consumer();
    const event = delivered(start);
    await spec.handler!(event, tx);
    spec.afterCommit!([event]);
    await new Promise(setImmediate);
    expect(started).not.toHaveBeenCalled();
    expect(deliver).not.toHaveBeenCalled();
  });

  it("a start with an idTag still becomes the token's Session, sent after the commit", async () => {
    const { spec, started, deliver } = consumer();
    const event = delivered({ ...start, idTag: 'RFID-1' });
    await spec.handler!(event, tx);
    expect(started).toHaveBeenCalledWith(tx, expect.objectContaining({ idTag: 'RFID-1', transactionId: 7 }), expect.any(String), OCCURRED_AT);
    spec.afterCommit!([event]);
    await new Promise(setImmediate);
    expect(deliver).toHaveBeenCalledTimes(1);
  });

  it.each(['Blocked', 'Expired', 'Invalid'] as const)('a start ocpp answered %s (the charger may run it all the same) is no roaming Session: nothing asked, nothing sent', async (idTagStatus) => {
    const { spec, started, deliver } = consumer();
    const event = delivered({ ...start, idTag: 'RFID-1', idTagStatus });
    await spec.handler!(event, tx);
    spec.afterCommit!([event]);
    await new Promise(setImmediate);
    expect(started).not.toHaveBeenCalled();
    expect(deliver).not.toHaveBeenCalled();
  });

  it("a start ocpp answered ConcurrentTx (a valid token ocpp judged already in a session) is the token's Session, sent after the commit: the energy is the eMSP's to pay", async () => {
    const { spec, started, deliver } = consumer();
    const event = delivered({ ...start, idTag: 'RFID-1', idTagStatus: 'ConcurrentTx' });
    await spec.handler!(event, tx);
    expect(started).toHaveBeenCalledWith(tx, expect.objectContaining({ idTag: 'RFID-1', idTagStatus: 'ConcurrentTx' }), expect.any(String), OCCURRED_AT);
    spec.afterCommit!([event]);
    await new Promise(setImmediate);
    expect(deliver).toHaveBeenCalledTimes(1);
  });

  it('a start ocpp answered Accepted is the token\'s Session, as one from an ocpp that does not say (absent = accepted)', async () => {
    const { spec, started } = consumer();
    await spec.handler!(delivered({ ...start, idTag: 'RFID-1', idTagStatus: 'Accepted' }), tx);
    expect(started).toHaveBeenCalledWith(tx, expect.objectContaining({ idTag: 'RFID-1', idTagStatus: 'Accepted' }), expect.any(String), OCCURRED_AT);
  });
});
