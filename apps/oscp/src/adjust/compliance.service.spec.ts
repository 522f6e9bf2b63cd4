import { randomUUID } from 'node:crypto';
import { Headers, Subjects } from '@cpo/contracts';
import { BusNames, decodeMessage, type BusEvent, type ConsumerHost, type ConsumerSpec } from '@cpo/messaging';
import type { JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import type { OscpConfig } from '../config.js';
import type { ForecastRepository } from '../forecasts/forecast.repository.js';
import type { OutboundDispatcher } from '../outbound/outbound.dispatcher.js';
import type { OutboundRepository } from '../outbound/outbound.repository.js';
import { PartnerResolver } from '../partners/partner-resolver.js';
import type { PartnerRepository } from '../partners/partner.repository.js';
import type { PartnersService } from '../partners/partners.service.js';
import { ComplianceService } from './compliance.service.js';

const names = new BusNames('t');
const tx = {} as EntityManager;

/** The event as the consumer host hands it over: decoded and checked against the contract. */
function delivered(payload: object): BusEvent {
  const h = natsHeaders();
  h.set(Headers.EventId, randomUUID());
  h.set(Headers.SchemaVersion, '1');
  const msg = { subject: names.subject(Subjects.CapacityComplianceFailed), data: new TextEncoder().encode(JSON.stringify(payload)), headers: h, info: { deliveryCount: 1, streamSequence: 1 } };
  const decoded = decodeMessage(msg as unknown as JsMsg, names);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.event;
}

const failed = (groupId: string, partnerId?: string) => ({
  groupId,
  ...(partnerId ? { partnerId } : {}),
  message: 'cannot shed below 12 kW',
  detectedAt: '2026-12-07T10:00:00Z',
  affected: [],
});

function setup(partnersOf: Record<string, string[]>, stored: { latest?: { requestId: string } } = { latest: { requestId: 'fc-1' } }) {
  const specs = new Map<string, ConsumerSpec>();
  const host = { register: (s: ConsumerSpec) => specs.set(s.filterSubject, s) } as unknown as ConsumerHost;
  const dataSource = { query: async (_sql: string, [groupId]: string[]) => (partnersOf[groupId] ?? []).map((partner_id) => ({ partner_id })) } as unknown as DataSource;
  const partnerRepo = { get: async (id: string) => ({ id, name: id, state: 'CONNECTED' }) } as unknown as PartnerRepository;
  const enqueued: unknown[] = [];
  const outbound = { enqueue: async (_tx: EntityManager, m: unknown) => (enqueued.push(m), { requestId: 'r1' }) } as unknown as OutboundRepository;
  const forecasts = { latest: async () => stored.latest } as unknown as ForecastRepository;
  const dispatcher = { on: () => undefined, kick: () => undefined } as unknown as OutboundDispatcher;
  const logs: { level: string; msg: string; obj: unknown }[] = [];
  const logger = {
    child: () => logger,
    info: (obj: unknown, msg: string) => logs.push({ level: 'info', obj, msg }),
    debug: (obj: unknown, msg: string) => logs.push({ level: 'debug', obj, msg }),
    warn: (obj: unknown, msg: string) => logs.push({ level: 'warn', obj, msg }),
  } as unknown as Logger;
  const config = { OSCP_HTTP_MAX_ATTEMPTS: 3 } as OscpConfig;
  new ComplianceService(forecasts, outbound, dispatcher, new PartnerResolver(partnerRepo, dataSource), {} as PartnersService, host, config, logger).onModuleInit();
  const handle = (payload: object) => specs.get(Subjects.CapacityComplianceFailed)!.handler!(delivered(payload), tx);
  return { handle, enqueued, logs };
}

describe('ComplianceService: capacity.compliance.failed', () => {
  it('skips (acknowledges) an event about a group no partner is configured for, logging it once per group at info', async () => {
    const { handle, enqueued, logs } = setup({});
    await expect(handle(failed('EXPL-BAD'))).resolves.toBeUndefined();
    await expect(handle(failed('EXPL-BAD'))).resolves.toBeUndefined();
    await expect(handle(failed('EXPL-OTHER'))).resolves.toBeUndefined();
    expect(enqueued).toEqual([]);
    const info = logs.filter((l) => l.level === 'info');
    expect(info.map((l) => (l.obj as { groupId: string }).groupId)).toEqual(['EXPL-BAD', 'EXPL-OTHER']);
    expect(info[0].msg).toMatch(/no partner/);
    expect(logs.filter((l) => l.level === 'debug')).toHaveLength(1);
  });

  it("still queues the compliance error for a group with a partner, correlated with the group's latest forecast", async () => {
    const { handle, enqueued } = setup({ G1: ['elmo'] });
    await handle(failed('G1'));
    expect(enqueued).toEqual([expect.objectContaining({ partnerId: 'elmo', action: 'group_capacity_compliance_error', correlationId: 'fc-1' })]);
  });

  it('acknowledges a failure of a partner\'s group before any forecast of it (ELMO refuses an uncorrelated error with a 400; retrying cannot help): warned once per group, queued again once a forecast exists', async () => {
    const stored: { latest?: { requestId: string } } = {};
    const { handle, enqueued, logs } = setup({ G3: ['elmo'], G4: ['elmo'] }, stored);
    await expect(handle(failed('G3'))).resolves.toBeUndefined();
    await expect(handle(failed('G3'))).resolves.toBeUndefined();
    await expect(handle(failed('G4'))).resolves.toBeUndefined();
    expect(enqueued).toEqual([]);
    const warned = logs.filter((l) => l.level === 'warn');
    expect(warned.map((l) => (l.obj as { groupId: string }).groupId)).toEqual(['G3', 'G4']);
    expect(warned[0].msg).toMatch(/no forecast/);
    stored.latest = { requestId: 'fc-2' };
    await handle(failed('G3'));
    expect(enqueued).toEqual([expect.objectContaining({ correlationId: 'fc-2' })]);
  });

  it('a failure naming its forecast is queued correlated with it even when the repository has none stored', async () => {
    const { handle, enqueued } = setup({ G5: ['elmo'] }, {});
    await handle({ ...failed('G5'), forecastRequestId: 'fc-named' });
    expect(enqueued).toEqual([expect.objectContaining({ correlationId: 'fc-named' })]);
  });

  it('still refuses an event about a group of several partners: that is a configuration error, not nobody to tell', async () => {
    const { handle, enqueued } = setup({ G2: ['elmo', 'other'] });
    await expect(handle(failed('G2'))).rejects.toThrow('group G2 belongs to several partners; name the partner');
    expect(enqueued).toEqual([]);
  });
});
