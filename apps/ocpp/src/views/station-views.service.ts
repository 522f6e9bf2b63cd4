import { Injectable, NotFoundException } from '@nestjs/common';
import { profileEffect } from './profile-effect.js';
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

  /** Each with whether the profile the charger holds acts now (see profileEffect): `state` stays what our last send did. */
  async chargingProfiles(stationId: string, now = new Date()) {
    const rows = known(stationId, await this.views.chargingProfiles(stationId));
    return rows.map((row) => ({ ...row, ...profileEffect((row['applied'] as Record<string, unknown> | null) ?? null, now) }));
  }

  /** What commands from outside installed, with whether each acts now (`profileEffect`, as the grid limits' view). */
  async operatorProfiles(stationId: string, now = new Date()) {
    const rows = known(stationId, await this.views.operatorProfiles(stationId));
    return rows.map((row) => ({ ...row, ...profileEffect(row['profile'] as Record<string, unknown>, now) }));
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
