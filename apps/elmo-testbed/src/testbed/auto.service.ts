import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type { TestbedConfig } from '../config.js';
import { milestonesBetween, type DueMilestone } from './auto-timeline.js';
import { FpCaller } from './fp-caller.js';
import { dayAheadBlocks } from './negotiation.js';
import { TestbedStore } from './testbed.store.js';

/**
 * The production-like automatic mode: ELMO's daily cron driven by the simulated clock, so moving
 * the clock (`POST /_sim/clock`) replays 00:00 / 10:00 / 14:05 / 16:00 / 16:05 in order.
 */
@Injectable()
export class AutoService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastMs = 0;

  constructor(
    private readonly store: TestbedStore,
    private readonly caller: FpCaller,
    @Inject(APP_CONFIG) private readonly config: TestbedConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'elmo-auto' });
  }

  onApplicationBootstrap(): void {
    if (!this.config.ELMO_TESTBED_AUTO) return;
    this.lastMs = this.store.clock.now().getTime();
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.config.ELMO_TESTBED_AUTO_TICK_MS);
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    const now = this.store.clock.now().getTime();
    const due = milestonesBetween(this.lastMs, now);
    this.lastMs = now;
    for (const d of due) {
      try {
        await this.apply(d);
      } catch (err) {
        this.logger.error({ err, milestone: d.milestone, day: d.day }, 'automatic step failed');
      }
    }
  }

  private async apply(d: DueMilestone): Promise<void> {
    const { store } = this;
    const ofDay = [...store.negotiations.values()].filter((n) => n.day === d.day);
    switch (d.milestone) {
      case 'create':
        // ELMO opens tomorrow's negotiation only for stations whose CSMS is connected at midnight.
        if (!store.connected) return;
        for (const groupId of store.groups) {
          const key = store.negotiationKey(groupId, d.day);
          if (!store.negotiations.has(key)) {
            store.negotiations.set(key, { groupId, day: d.day, state: 'INITIAL_EDIT', assignedKw: new Array(24).fill(this.config.ELMO_TESTBED_AUTO_ASSIGN_KW), requestedKw: null });
          }
        }
        return;
      case 'assign':
        for (const n of ofDay.filter((x) => x.state === 'INITIAL_EDIT')) {
          const r = await this.send(n.groupId, dayAheadBlocks(d.day, n.assignedKw ?? []));
          n.state = r ? 'NEGOTIATING' : 'NEGOTIATING_FAILED';
        }
        return;
      case 'close':
        for (const n of ofDay.filter((x) => x.state === 'NEGOTIATING')) n.state = 'FINISH';
        return;
      case 'auto_reply':
        for (const n of ofDay.filter((x) => x.state === 'EXTRA_REQUEST' && x.requestedKw)) {
          const r = await this.send(n.groupId, dayAheadBlocks(d.day, n.requestedKw!));
          n.state = r ? 'EXTRA_REPLY_AUTO' : 'EXTRA_REPLY_FAILED';
          if (r) n.repliedKw = n.requestedKw!;
        }
        return;
      case 'finalize':
        this.logger.info({ day: d.day, negotiations: ofDay.map((n) => [n.groupId, n.state]) }, 'negotiations final');
    }
  }

  /** Sends a forecast the way the 10:00 and 16:00 jobs do; true on 204. Nothing goes to an FP that is not connected. */
  private async send(groupId: string, blocks: unknown[]): Promise<boolean> {
    const { fpBaseUrl, fpToken, connected } = this.store;
    if (!connected || !fpBaseUrl || !fpToken) return false;
    const r = await this.caller.call(`${fpBaseUrl}/update_group_capacity_forecast`, fpToken, { group_id: groupId, type: 'CONSUMPTION', forecasted_blocks: blocks });
    return r.callback_status === 204;
  }
}
