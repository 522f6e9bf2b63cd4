import { jest } from '@jest/globals';
import { UnavailableError } from '@cpo/platform';
import type { BusRequester } from '@cpo/messaging';
import type { Logger } from 'pino';
import type { OcppConfig } from '../config.js';
import type { SessionRegistry } from '../connection/session-registry.js';
import type { CommandExecutor } from './command-executor.js';
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
  const svc = new CommandService(registry, {} as CommandExecutor, requester as unknown as BusRequester, { OCPP_CALL_TIMEOUT_MS: 1000 } as OcppConfig, logger);
  return { svc, subjects };
}

describe('CommandService.sendMany', () => {
  it('one failing station never takes the results of the others with it', async () => {
    const { svc, subjects } = service(async (id) => {
      if (id === 'CP-BOOM') throw new Error('bus exploded');
      if (id === 'CP-GONE') throw new UnavailableError('no responder');
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
