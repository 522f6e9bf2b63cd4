import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '@cpo/platform';
import {
  DAY_MS,
  applyForecast,
  buildTimeline,
  emptyCapacityState,
  setOperatorCap,
  type CapacityState,
  type GroupCapacityConfig,
  type LimitSegment,
} from '../timeline/index.js';
import type { GroupModel } from '../topology/group-model.js';
import { TopologyRepository } from '../topology/topology.repository.js';
import { ReplanRequests } from '../replan/replan-requests.js';
import { CapacityRepository, type StoredCap } from './capacity.repository.js';

/** A group's limit sources right now, ready for the pure timeline functions. */
export interface GroupCapacity {
  readonly config: GroupCapacityConfig;
  readonly state: CapacityState;
}

/**
 * The effective-limit timeline of each group, rebuilt from the stored forecasts and operator caps
 * on demand: the tables are the truth, so every replica computes the same timeline.
 */
@Injectable()
export class CapacityService {
  constructor(
    private readonly repository: CapacityRepository,
    private readonly topology: TopologyRepository,
    private readonly replan: ReplanRequests,
  ) {}

  /** The sources of `group` that matter from `sinceMs` on (forecasts ended a day earlier are skipped). */
  async capacity(group: GroupModel, sinceMs: number): Promise<GroupCapacity> {
    const [forecasts, caps] = await Promise.all([this.repository.forecasts(group.groupId, sinceMs - DAY_MS), this.repository.caps(group.groupId)]);
    let state = forecasts.reduce(applyForecast, emptyCapacityState());
    for (const cap of caps) state = setOperatorCap(state, cap);
    // ELMO has no heartbeat and no fallback forecasts: "nothing received" is the contract capacity.
    return { config: { contractW: group.contractW, fallbackApplies: false }, state };
  }

  /** The group's effective limit over `[fromMs, toMs)`, each segment with the source that set it. */
  async timeline(groupId: string, fromMs: number, toMs: number): Promise<LimitSegment[]> {
    const group = await this.topology.model(groupId);
    if (!group) throw new NotFoundError(`group ${groupId} not found`);
    if (!(toMs > fromMs)) throw new ValidationError('the window must end after it starts', { to: 'must be after from' });
    const { config, state } = await this.capacity(group, fromMs);
    return [...buildTimeline(config, state, { fromMs, toMs }).segments];
  }

  async caps(groupId: string): Promise<StoredCap[]> {
    await this.known(groupId);
    return this.repository.caps(groupId);
  }

  /** The group's latest forecast alerts, newest first. */
  async alerts(groupId: string): Promise<Record<string, unknown>[]> {
    await this.known(groupId);
    return this.repository.alerts(groupId, 100);
  }

  /** Adds an operator cap (it can only lower the limit) and re-plans the group at once. */
  async addCap(groupId: string, input: { startMs: number; endMs?: number; powerW: number; reason: string }): Promise<StoredCap> {
    await this.known(groupId);
    const cap: StoredCap = { id: randomUUID(), groupId, ...input };
    await this.repository.insertCap(cap);
    this.replan.request(groupId, 'operator cap added', true);
    return cap;
  }

  async removeCap(groupId: string, id: string): Promise<void> {
    if (!(await this.repository.deleteCap(groupId, id))) throw new NotFoundError(`cap ${id} of group ${groupId} not found`);
    this.replan.request(groupId, 'operator cap removed');
  }

  /** An unknown group is a 404 on every route, not an empty list that reads as "no caps". */
  private async known(groupId: string): Promise<void> {
    if (!(await this.topology.model(groupId))) throw new NotFoundError(`group ${groupId} not found`);
  }
}
