import { jest } from '@jest/globals';
import type { OcppCommandReply } from '@cpo/contracts';
import type { Logger } from 'pino';
import type { StationRepository } from '../stations/station.repository.js';
import { operatorHttpStatus, UNKNOWN_STATION, UnknownStations } from './unknown-stations.js';

const ok: OcppCommandReply = { status: 'ok', payload: { status: 'Accepted' } };
const offline: OcppCommandReply = { status: 'error', code: 'Offline', description: 'not connected' };
const timeout: OcppCommandReply = { status: 'error', code: 'Timeout', description: 'no answer' };

/** Stations table holding `registered`; records every query. */
function directory(registered: string[], fail = false) {
  const query = jest.fn(async (ids: string[]) => {
    if (fail) throw new Error('database down');
    return new Set(ids.filter((id) => registered.includes(id)));
  });
  const warn = jest.fn();
  return { query, warn, unknown: new UnknownStations({ registered: query } as unknown as StationRepository, { warn } as unknown as Logger) };
}

describe('UnknownStations: an Offline reply for a station never registered', () => {
  it('names the unregistered ones UnknownStation (404), keeps Offline (503) for a registered station no replica holds', async () => {
    const { unknown, query } = directory(['CP-KNOWN']);
    const named = await unknown.name([
      { stationId: 'CP-KNOWN', reply: offline },
      { stationId: 'CP-TYPO', reply: offline },
      { stationId: 'CP-SLOW', reply: timeout },
    ]);
    expect(named.map((r) => [r.stationId, r.reply.status === 'error' && r.reply.code, operatorHttpStatus(r.reply)])).toEqual([
      ['CP-KNOWN', 'Offline', 503],
      ['CP-TYPO', UNKNOWN_STATION, 404],
      ['CP-SLOW', 'Timeout', 504],
    ]);
    // One query for the whole request, of the Offline ones only.
    expect(query.mock.calls.map((c) => c[0])).toEqual([['CP-KNOWN', 'CP-TYPO']]);
  });

  it('reads nothing when no reply is Offline: a command that reached its charger (or failed otherwise) costs no query', async () => {
    const { unknown, query } = directory([]);
    const results = [{ stationId: 'CP-1', reply: ok }, { stationId: 'CP-2', reply: timeout }];
    expect(await unknown.name(results)).toBe(results);
    expect(query).not.toHaveBeenCalled();
  });

  it('keeps an Offline the charger may have acted on (sent, then the socket closed as the station was deleted): its outcome is unknown', async () => {
    const { unknown, query } = directory([]);
    const sent: OcppCommandReply = { ...offline, mayHaveActed: true };
    const results = [{ stationId: 'CP-GONE', reply: sent }];
    expect(await unknown.name(results)).toBe(results);
    expect(query).not.toHaveBeenCalled();
  });

  it('a failed lookup leaves the Offline replies as they are (still true) and logs it', async () => {
    const { unknown, warn } = directory([], true);
    const results = [{ stationId: 'CP-TYPO', reply: offline }];
    expect(await unknown.name(results)).toEqual(results);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
