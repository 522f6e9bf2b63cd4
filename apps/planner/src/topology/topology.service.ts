import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { Subjects } from '@cpo/contracts';
import { OutboxWriter } from '@cpo/messaging';
import { APP_CONFIG, NotFoundError, ROOT_LOGGER, ValidationError } from '@cpo/platform';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { parse as parseYaml } from 'yaml';
import type { PlannerConfig } from '../config.js';
import { ReplanRequests } from '../replan/replan-requests.js';
import { GroupSpec, StationSpec, TopologyFile } from './topology-file.js';
import { TopologyRepository } from './topology.repository.js';

/** Site topology: managed through the operator API, or loaded from a YAML/JSON file at boot for demos. */
@Injectable()
export class TopologyService implements OnApplicationBootstrap {
  constructor(
    private readonly repository: TopologyRepository,
    private readonly outbox: OutboxWriter,
    private readonly replan: ReplanRequests,
    @Inject(APP_CONFIG) private readonly config: PlannerConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.config.PLANNER_TOPOLOGY_FILE;
    if (!file) return;
    const text = await readFile(file, 'utf8');
    const topology = this.parseFile(text, file);
    for (const group of topology.groups) await this.putGroup(group);
    this.logger.info({ file, groups: topology.groups.length }, 'topology loaded from file');
  }

  parseFile(text: string, name = 'topology'): TopologyFile {
    let raw: unknown;
    try {
      raw = name.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new ValidationError(`${name} is not valid ${name.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
    }
    const parsed = TopologyFile.safeParse(raw);
    if (!parsed.success) throw new ValidationError(`${name} is not a valid topology`, fieldErrors(parsed.error.issues));
    return parsed.data;
  }

  /** Creates or replaces a group with its stations and generation sources, in one transaction. */
  async putGroup(input: unknown): Promise<void> {
    const parsed = GroupSpec.safeParse(input);
    if (!parsed.success) throw new ValidationError('invalid group', fieldErrors(parsed.error.issues));
    const group = parsed.data;
    const touched = await this.repository.transaction(async (tx) => {
      await this.repository.upsertGroup(tx, group);
      const left = new Set<string>();
      for (const station of group.stations) {
        const previous = await this.repository.upsertStation(tx, group.groupId, station);
        if (previous) left.add(previous);
      }
      await this.repository.replaceGeneration(tx, group.groupId, group.generation);
      return this.announce(tx, [group.groupId, ...left]);
    });
    this.replanAll(touched);
  }

  async putStation(groupId: string, input: unknown): Promise<void> {
    const parsed = StationSpec.safeParse(input);
    if (!parsed.success) throw new ValidationError('invalid station', fieldErrors(parsed.error.issues));
    if (!(await this.repository.group(groupId))) throw new NotFoundError(`group ${groupId} not found`);
    const touched = await this.repository.transaction(async (tx) => {
      const previous = await this.repository.upsertStation(tx, groupId, parsed.data);
      return this.announce(tx, previous ? [groupId, previous] : [groupId]);
    });
    this.replanAll(touched);
  }

  async removeGroup(groupId: string): Promise<void> {
    await this.repository.transaction(async (tx) => {
      if (!(await this.repository.removeGroup(tx, groupId))) throw new NotFoundError(`group ${groupId} not found`);
      await this.announce(tx, [groupId]);
    });
  }

  /** Removes the station from `groupId` only: a station in another group stays where it is (404). */
  async removeStation(groupId: string, stationId: string): Promise<void> {
    const touched = await this.repository.transaction(async (tx) => {
      if (!(await this.repository.removeStation(tx, groupId, stationId))) {
        if (!(await this.repository.membership(tx, groupId))) throw new NotFoundError(`group ${groupId} not found`);
        throw new NotFoundError(`station ${stationId} is not in group ${groupId}`);
      }
      return this.announce(tx, [groupId]);
    });
    this.replanAll(touched);
  }

  /** Re-plans after the commit: a rolled-back change must not move any limit. */
  private replanAll(groupIds: readonly string[]): void {
    for (const groupId of groupIds) this.replan.request(groupId, 'topology changed');
  }

  /** The group ↔ station mapping lives here; oscp learns each group's stations from this event. Returns the groups announced. */
  private async announce(tx: EntityManager, groupIds: string[]): Promise<string[]> {
    const changedAt = new Date().toISOString();
    for (const groupId of new Set(groupIds)) {
      const membership = await this.repository.membership(tx, groupId);
      await this.outbox.enqueue(tx, Subjects.PlannerGroupTopologyChanged, {
        groupId,
        partnerId: membership?.partnerId ?? undefined,
        stationIds: membership?.stationIds ?? [],
        deleted: membership === undefined,
        changedAt,
      });
    }
    return [...new Set(groupIds)];
  }
}

function fieldErrors(issues: { path: PropertyKey[]; message: string }[]): Record<string, string> {
  return Object.fromEntries(issues.map((i) => [i.path.map(String).join('.') || '(root)', i.message]));
}
