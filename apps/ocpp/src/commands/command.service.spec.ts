import { jest } from '@jest/globals';
import { OcppCommandErrorCode, OcppCommandReplyV1, parseRequestPayload } from '@cpo/contracts';
import { BusNames, BusRequester, type MessagingMetrics } from '@cpo/messaging';
import { errors, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import type { SessionRegistry } from '../connection/session-registry.js';
import { COMMAND_FAILED, type CommandExecutor } from './command-executor.js';
import { CommandService } from './command.service.js';
import { stationIdProblem } from './station-id.js';

const logger = { error: jest.fn() } as unknown as Logger;

/** No station is local; the bus answers per station id: a reply, Offline, or an unexpected throw. */
function service(answer: (stationId: string) => Promise<unknown>) {
  const subjects: string[] = [];
  const requester = {
    request: async (subject: string) => {
      subjects.push(subject);
      return answer(decodeURIComponent(subject.split('.').pop()!));
    },
  };
  const registry = { get: () => undefined } as unknown as SessionRegistry;
  const svc = new CommandService(registry, { check: () => undefined, stationRefusal: async () => undefined } as unknown as CommandExecutor, requester as unknown as BusRequester, { OCPP_CALL_TIMEOUT_MS: 1000 } as OcppConfig, logger);
  return { svc, subjects };
}

const metrics = { requestDuration: { observe: () => undefined } } as unknown as MessagingMetrics;

/** A real requester over a NATS connection whose requests end as `nats` says. */
function requesterOver(nats: () => Promise<{ data: Uint8Array }>): BusRequester {
  return new BusRequester({ request: nats } as unknown as NatsConnection, new BusNames(''), metrics, 'ocpp');
}

/** No station is local; commands travel through a requester over `nats`. */
function overBus(nats: () => Promise<{ data: Uint8Array }>): CommandService {
  const registry = { get: () => undefined } as unknown as SessionRegistry;
  return new CommandService(registry, { check: () => undefined, stationRefusal: async () => undefined } as unknown as CommandExecutor, requesterOver(nats), { OCPP_CALL_TIMEOUT_MS: 1000 } as OcppConfig, logger);
}

/** What the requester throws when nobody serves the subject. */
function noResponders(): Promise<unknown> {
  return requesterOver(() => Promise.reject(new errors.NoRespondersError('x')))
    .request('x', {}, { timeoutMs: 10, parseReply: (p: unknown) => parseRequestPayload(OcppCommandReplyV1, p) })
    .then(() => undefined, (e: unknown) => e);
}

describe('CommandService.send over the bus', () => {
  const send = (svc: CommandService) => svc.send('CP-1', { action: 'ClearCache', payload: {} });

  it('is Offline only when nobody holds the station', async () => {
    expect(await send(overBus(() => Promise.reject(new errors.RequestError('no responders', { cause: new errors.NoRespondersError('x') }))))).toMatchObject({ code: 'Offline' });
  });

  it("is ReplicaTimeout, not the charger's Timeout, when the replica holding the socket does not answer in time; the charger may have acted", async () => {
    const reply = await send(overBus(() => Promise.reject(new errors.TimeoutError())));
    expect(reply).toMatchObject({ status: 'error', code: OcppCommandErrorCode.ReplicaTimeout, mayHaveActed: true });
    expect(reply).not.toMatchObject({ code: OcppCommandErrorCode.Timeout });
  });

  it("is the central system's own failure, not Offline nor a 400, when the bus fails or a replica's reply is unreadable", async () => {
    const closed = await send(overBus(() => Promise.reject(new errors.ClosedConnectionError())));
    expect(closed).toMatchObject({ status: 'error', code: 'CentralSystemError' });
    const garbage = await send(overBus(async () => ({ data: new TextEncoder().encode('{"status":"maybe"}') })));
    expect(garbage).toMatchObject({ status: 'error', code: 'CentralSystemError', description: expect.stringContaining('invalid reply') });
  });

  it('a reply that came but cannot be read says the charger may have acted: the replica holding the socket ran the command (e.g. a newer replica during a rollout)', async () => {
    const garbage = await send(overBus(async () => ({ data: new TextEncoder().encode('{"status":"ok","payload":{"status":"Accepted"},"extra":1}') })));
    expect(garbage).toMatchObject({ status: 'error', code: 'CentralSystemError', mayHaveActed: true });
  });
});

describe('CommandService.send to the replica holding the socket', () => {
  it("names the timeout it waits for in the request: the holding replica's own default may differ (a rollout changing OCPP_CALL_TIMEOUT_MS), and a call it still ran, or still sent from its queue, after this one gave up would act unseen", async () => {
    const asked: { timeoutMs?: number }[] = [];
    const requester = { request: async (_subject: string, req: { timeoutMs?: number }) => (asked.push(req), { status: 'ok', payload: {} }) };
    const registry = { get: () => undefined } as unknown as SessionRegistry;
    const svc = new CommandService(registry, { check: () => undefined, stationRefusal: async () => undefined } as unknown as CommandExecutor, requester as unknown as BusRequester, { OCPP_CALL_TIMEOUT_MS: 1000 } as OcppConfig, logger);
    await svc.send('CP-1', { action: 'ClearCache', payload: {} });
    await svc.send('CP-1', { action: 'ClearCache', payload: {}, timeoutMs: 250 });
    expect(asked.map((r) => r.timeoutMs)).toEqual([1000, 250]);
  });
});

describe('CommandService.sendMany', () => {
  it('one failing station never takes the results of the others with it', async () => {
    const { svc, subjects } = service(async (id) => {
      if (id === 'CP-BOOM') throw new Error('bus exploded');
      if (id === 'CP-GONE') throw await noResponders();
      return { status: 'ok', payload: { status: 'Accepted' } };
    });
    const results = await svc.sendMany(['CP-1', '', 'CP-BOOM', 'x/y', 'CP-GONE', 'CP-2'], { action: 'ClearCache', payload: {} }, 2);
    expect(results.map((r) => [r.stationId, r.reply.status === 'ok' ? 'ok' : r.reply.code])).toEqual([
      ['CP-1', 'ok'],
      ['', 'InvalidRequest'],
      ['CP-BOOM', 'CentralSystemError'],
      ['x/y', 'InvalidRequest'],
      ['CP-GONE', 'Offline'],
      ['CP-2', 'ok'],
    ]);
    // Invalid ids never reach the bus.
    expect(subjects).toHaveLength(4);
  });

  it("a station whose command failed on our side gets a generic error, never the database's text (logged with it)", async () => {
    const registry = { get: (id: string) => (id === 'CP-LOCAL' ? {} : undefined) } as unknown as SessionRegistry;
    const executor = {
      check: () => undefined,
      execute: async () => {
        throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
      },
    } as unknown as CommandExecutor;
    const error = jest.fn();
    const svc = new CommandService(registry, executor, {} as BusRequester, { OCPP_CALL_TIMEOUT_MS: 1000 } as OcppConfig, { ...logger, error } as unknown as Logger);
    const [result] = await svc.sendMany(['CP-LOCAL'], { action: 'ClearCache', payload: {} });
    expect(result!.reply).toEqual({ status: 'error', code: 'CentralSystemError', description: COMMAND_FAILED });
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ err: expect.objectContaining({ message: expect.stringContaining('UTF8') }) }), 'bulk command failed for one station');
  });

  it('every station gets the whole timeout from its own send: chargers slow to answer never leave the later ones unsent', async () => {
    const timeouts = new Map<string, number | undefined>();
    const requester = {
      request: async (subject: string, req: { timeoutMs?: number }) => {
        const id = decodeURIComponent(subject.split('.').pop()!);
        timeouts.set(id, req.timeoutMs);
        // The first station holds its slot for longer than the command's timeout (a charger that never answers).
        if (id === 'CP-SLOW') await new Promise((r) => setTimeout(r, 120));
        return { status: 'ok', payload: { status: 'Accepted' } };
      },
    };
    const registry = { get: () => undefined } as unknown as SessionRegistry;
    const svc = new CommandService(registry, { check: () => undefined, stationRefusal: async () => undefined } as unknown as CommandExecutor, requester as unknown as BusRequester, { OCPP_CALL_TIMEOUT_MS: 1000 } as OcppConfig, logger);
    const results = await svc.sendMany(['CP-SLOW', 'CP-NEXT'], { action: 'ClearCache', payload: {}, timeoutMs: 100 }, 1);
    expect(results.map((r) => r.reply.status)).toEqual(['ok', 'ok']);
    expect(timeouts.get('CP-NEXT')).toBe(100);
  });
});

describe('stationIdProblem', () => {
  it('accepts what a charger may connect with, refuses the rest', () => {
    expect(stationIdProblem('CP-1')).toBeUndefined();
    expect(stationIdProblem('häus 1')).toBeUndefined();
    expect(stationIdProblem('x'.repeat(48))).toBeUndefined();
    for (const bad of ['', 'x'.repeat(49), 'a/b', 'a:b', 'tab\there', 'lone\uD800']) expect(stationIdProblem(bad)).toBeDefined();
    expect(stationIdProblem(7)).toBeDefined();
  });
});
