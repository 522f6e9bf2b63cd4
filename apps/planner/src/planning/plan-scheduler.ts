import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { PlannerConfig } from '../config.js';
import { ReplanRequests, type ReplanRequest } from '../replan/replan-requests.js';
import { TopologyRepository } from '../topology/topology.repository.js';
import { PlanningService } from './planning.service.js';

const STATION_CACHE_MS = 30_000;

/**
 * When rounds run: on every event (debounced, so a burst of status changes is one round), at once
 * for emergencies, and on a periodic tick for ramps, hour boundaries and silent chargers. One round
 * per group at a time in this process; the database lock covers other replicas.
 */
@Injectable()
export class PlanScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Map<string, { urgent: boolean; cause: string }>();
  private readonly stationGroups = new Map<string, { groupId: string | undefined; atMs: number }>();
  private tick?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly planning: PlanningService,
    private readonly topology: TopologyRepository,
    requests: ReplanRequests,
    @Inject(APP_CONFIG) private readonly config: PlannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    requests.subscribe((r) => void this.onRequest(r));
  }

  onApplicationBootstrap(): void {
    this.tick = setInterval(() => void this.planAll('tick'), this.config.PLANNER_TICK_MS);
    this.tick.unref();
    void this.planAll('startup');
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tick);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Plans one group now and waits for the round (the operator's manual re-plan). */
  async planNow(groupId: string, cause: string) {
    await this.running.get(groupId)?.catch(() => undefined);
    return this.planning.planGroup(groupId, cause);
  }

  schedule(groupId: string, cause: string, urgent: boolean): void {
    if (this.stopped) return;
    if (this.running.has(groupId)) {
      const pending = this.again.get(groupId);
      this.again.set(groupId, { urgent: urgent || (pending?.urgent ?? false), cause });
      return;
    }
    if (urgent) {
      clearTimeout(this.timers.get(groupId));
      this.timers.delete(groupId);
      this.run(groupId, cause);
      return;
    }
    if (this.timers.has(groupId)) return;
    const timer = setTimeout(() => {
      this.timers.delete(groupId);
      this.run(groupId, cause);
    }, this.config.PLANNER_DEBOUNCE_MS);
    timer.unref();
    this.timers.set(groupId, timer);
  }

  private run(groupId: string, cause: string): void {
    const round = this.planning
      .planGroup(groupId, cause)
      .then(() => undefined)
      .catch((err: Error) => this.logger.error({ err, groupId, cause }, 'planning round failed; the next event or tick retries'))
      .finally(() => {
        this.running.delete(groupId);
        const next = this.again.get(groupId);
        this.again.delete(groupId);
        if (next) this.schedule(groupId, next.cause, next.urgent);
      });
    this.running.set(groupId, round);
  }

  private async planAll(cause: string): Promise<void> {
    try {
      for (const groupId of await this.topology.groupIds()) this.schedule(groupId, cause, false);
    } catch (err) {
      this.logger.error({ err }, 'could not list groups to plan');
    }
  }

  private async onRequest(r: ReplanRequest): Promise<void> {
    try {
      const groupId = r.groupId ?? (r.stationId === undefined ? undefined : await this.groupOf(r.stationId));
      if (groupId !== undefined) this.schedule(groupId, r.cause, r.urgent);
    } catch (err) {
      this.logger.error({ err, request: r }, 'could not resolve the group to re-plan');
    }
  }

  private async groupOf(stationId: string): Promise<string | undefined> {
    const cached = this.stationGroups.get(stationId);
    if (cached && Date.now() - cached.atMs < STATION_CACHE_MS) return cached.groupId;
    const groupId = await this.topology.groupOfStation(stationId);
    this.stationGroups.set(stationId, { groupId, atMs: Date.now() });
    return groupId;
  }
}
