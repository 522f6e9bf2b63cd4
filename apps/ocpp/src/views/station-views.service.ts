import { Injectable, NotFoundException } from '@nestjs/common';
import { ViewsRepository } from './views.repository.js';

/** The 404 of every `/stations/{stationId}` route: one message and shape for the station and its views. */
export function stationNotFound(stationId: string): NotFoundException {
  return new NotFoundException(`station ${stationId} not found`);
}

/**
 * A station's sub-views (meter values, profiles, remote starts, messages, rejected frames). Each
 * is read with the station's existence in one statement: an unknown station is a 404, so a typo
 * is not taken for a station without data.
 */
@Injectable()
export class StationViewsService {
  constructor(private readonly views: ViewsRepository) {}

  async meterValues(f: Parameters<ViewsRepository['meterValues']>[0]) {
    return known(f.stationId, await this.views.meterValues(f));
  }

  async chargingProfiles(stationId: string) {
    return known(stationId, await this.views.chargingProfiles(stationId));
  }

  async remoteStarts(stationId: string, offset: number, limit: number) {
    return known(stationId, await this.views.remoteStarts(stationId, offset, limit));
  }

  async messages(stationId: string, kind: string | undefined, offset: number, limit: number) {
    return known(stationId, await this.views.messages(stationId, kind, offset, limit));
  }

  async rejectedFrames(stationId: string, offset: number, limit: number) {
    return known(stationId, await this.views.rejectedFrames(stationId, offset, limit));
  }
}

function known<T>(stationId: string, view: T | undefined): T {
  if (view === undefined) throw stationNotFound(stationId);
  return view;
}
