import { Inject, Injectable } from '@nestjs/common';
import { OcppCommandErrorCode, type OcppCommandReply } from '@cpo/contracts';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import { httpStatusOfReply } from '../commands/command-reply.http.js';
import { StationRepository } from '../stations/station.repository.js';

/**
 * The REST reply for a station id that was never registered (no row: it never connected under an
 * admitting policy, nor was it created with PUT /stations/{id}). The bus form of a command keeps its
 * `Offline` (its contract promises no more), but an operator's typo is not a charger that is down.
 */
export const UNKNOWN_STATION = 'UnknownStation';

/** HTTP status of an operator command's reply: an unknown station is a 404 like GET /stations/{id}, the rest as every command reply. */
export function operatorHttpStatus(reply: OcppCommandReply): number {
  return reply.status === 'error' && reply.code === UNKNOWN_STATION ? 404 : httpStatusOfReply(reply);
}

/**
 * Whether a reply says no replica holds the station: the only replies an unknown station can get.
 * Not one the charger may have acted on (sent, then the socket closed, e.g. as the station was
 * deleted): that outcome is unknown, and a 404 would hide it.
 */
const heldNowhere = (reply: OcppCommandReply) => reply.status === 'error' && reply.code === OcppCommandErrorCode.Offline && reply.mayHaveActed !== true;

/**
 * Turns the `Offline` replies of unregistered stations into `UnknownStation`. It reads the
 * database only for replies already `Offline` (a command that reached a charger costs no query),
 * once for a whole bulk request. When that read fails the `Offline` stands (true: no replica holds
 * the station) and the failure is logged: the operator still learns the command did not go.
 */
@Injectable()
export class UnknownStations {
  constructor(
    private readonly stations: StationRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async name<T extends { stationId: string; reply: OcppCommandReply }>(results: T[]): Promise<T[]> {
    const offline = results.filter((r) => heldNowhere(r.reply)).map((r) => r.stationId);
    if (offline.length === 0) return results;
    let unknown: Set<string>;
    try {
      unknown = await this.unregistered(offline);
    } catch (err) {
      this.logger.warn({ err, stations: offline.length }, 'stations of Offline command replies not looked up; answered Offline');
      return results;
    }
    return results.map((r) => (unknown.has(r.stationId) && heldNowhere(r.reply) ? { ...r, reply: unknownStationReply(r.stationId) } : r));
  }

  private async unregistered(stationIds: string[]): Promise<Set<string>> {
    const known = await this.stations.registered(stationIds);
    return new Set(stationIds.filter((id) => !known.has(id)));
  }
}

export function unknownStationReply(stationId: string): OcppCommandReply {
  return { status: 'error', code: UNKNOWN_STATION, description: `station ${stationId} not found: it is not registered (never connected under an admitting policy nor created with PUT /stations/{id}, or deleted)` };
}
