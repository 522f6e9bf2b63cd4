import { Injectable } from '@nestjs/common';

/** Why a group is to be re-planned; `urgent` requests skip the debounce (emergencies). */
export interface ReplanRequest {
  /** The group to re-plan; when absent, the group of `stationId`. */
  readonly groupId?: string;
  readonly stationId?: string;
  readonly urgent: boolean;
  readonly cause: string;
}

/**
 * The one place consumers and controllers ask for a re-plan. It decouples them from the planning
 * loop (which depends on them), so nothing has to import the loop to wake it up.
 */
@Injectable()
export class ReplanRequests {
  private readonly listeners: ((request: ReplanRequest) => void)[] = [];

  request(groupId: string, cause: string, urgent = false): void {
    this.emit({ groupId, urgent, cause });
  }

  /** Re-plan whatever group the station belongs to (OCPP events name stations, not groups). */
  requestForStation(stationId: string, cause: string, urgent = false): void {
    this.emit({ stationId, urgent, cause });
  }

  private emit(request: ReplanRequest): void {
    for (const listener of this.listeners) listener(request);
  }

  subscribe(listener: (request: ReplanRequest) => void): void {
    this.listeners.push(listener);
  }
}
