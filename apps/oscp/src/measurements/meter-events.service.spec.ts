import { randomUUID } from 'node:crypto';
import { Headers, Subjects } from '@cpo/contracts';
import { BusNames, decodeMessage, type BusEvent, type ConsumerHost, type ConsumerSpec } from '@cpo/messaging';
import { emptyRegister, type GroupRegister } from '@cpo/oscp-protocol';
import type { JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { EntityManager } from 'typeorm';
import type { GroupRepository } from '../partners/group.repository.js';
import { MeterEventsService } from './meter-events.service.js';

const names = new BusNames('t');
const tx = {} as EntityManager;

/** The event as the consumer host hands it over: decoded and checked against the contract. */
function delivered(subject: string, payload: object): BusEvent {
  const h = natsHeaders();
  h.set(Headers.EventId, randomUUID());
  h.set(Headers.SchemaVersion, '1');
  const msg = { subject: names.subject(subject), data: new TextEncoder().encode(JSON.stringify(payload)), headers: h, info: { deliveryCount: 1, streamSequence: 1 } };
  const decoded = decodeMessage(msg as unknown as JsMsg, names);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.event;
}

describe('MeterEventsService', () => {
  it("counts a free-vend session (started without an idTag) in its group's register, its stop included", async () => {
    const specs = new Map<string, ConsumerSpec>();
    const host = { register: (s: ConsumerSpec) => specs.set(s.filterSubject, s) } as unknown as ConsumerHost;
    let register: GroupRegister = emptyRegister();
    const groups = {
      byStationForUpdate: async () => [{ partnerId: 'elmo', groupId: 'g1', register }],
      saveRegister: async (_p: string, _g: string, r: GroupRegister) => void (register = r),
    } as unknown as GroupRepository;
    new MeterEventsService(groups, host).onModuleInit();

    await specs.get(Subjects.OcppTransactionStarted)!.handler!(delivered(Subjects.OcppTransactionStarted, { stationId: 'CP-F', connectorId: 2, transactionId: 41, meterStartWh: 1_000, startedAt: '2026-01-01T10:00:00Z' }), tx);
    await specs.get(Subjects.OcppTransactionStopped)!.handler!(delivered(Subjects.OcppTransactionStopped, { stationId: 'CP-F', transactionId: 41, meterStopWh: 3_500, stoppedAt: '2026-01-01T11:00:00Z' }), tx);

    // Without the start, the stop's register could not be placed on a connector and counted nothing.
    expect(register.totalWh).toBe(2_500);
    expect(register.transactions).toEqual({});
  });
});
