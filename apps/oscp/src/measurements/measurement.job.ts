import { energyItem, minutesToSend, summarisePoints } from '@cpo/oscp-protocol';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { OscpConfig } from '../config.js';
import { OutboundDispatcher } from '../outbound/outbound.dispatcher.js';
import { OutboundRepository } from '../outbound/outbound.repository.js';
import { GroupRepository } from '../partners/group.repository.js';
import { PartnerRepository } from '../partners/partner.repository.js';
import { PartnersService } from '../partners/partners.service.js';
import { MeasurementRepository } from './measurement.repository.js';

/**
 * Once per minute (one replica, see the scheduler): for every group of every connected partner,
 * record the register as a point for each minute since the last one and send every unsent point,
 * oldest first, thinned to at most OSCP_MEASUREMENT_MAX_ITEMS. Points of a message that fails for
 * good return to the queue, so no minute is lost to an outage, and values never decrease.
 */
@Injectable()
export class MeasurementJob implements OnModuleInit {
  private readonly logger: Logger;

  constructor(
    private readonly partners: PartnerRepository,
    private readonly partnersService: PartnersService,
    private readonly groups: GroupRepository,
    private readonly points: MeasurementRepository,
    private readonly outbound: OutboundRepository,
    private readonly dispatcher: OutboundDispatcher,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: OscpConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'oscp-measurements' });
  }

  onModuleInit(): void {
    this.dispatcher.on('update_group_measurements', {
      onFailed: async (m, outcome, tx) => {
        await this.points.release(tx, m.id);
        if (outcome.kind === 'answer' && outcome.status === 403) await this.partnersService.rejected(tx, m.partnerId);
      },
    });
  }

  async run(minuteMs: number): Promise<number> {
    let sent = 0;
    for (const partner of await this.partners.list()) {
      if (partner.state !== 'CONNECTED') continue;
      for (const group of await this.groups.listByPartner(partner.id)) {
        const queued = await this.dataSource.transaction(async (tx) => {
          const g = await this.groups.get(partner.id, group.groupId, tx, true);
          if (!g) return false;
          const last = g.lastPointMinute?.getTime();
          const fresh = minutesToSend(last, minuteMs, g.register.totalWh / 1000, g.lastPointKwh);
          if (fresh.length > 0) {
            await this.points.insertPoints(tx, partner.id, g.groupId, fresh);
            const newest = fresh[fresh.length - 1];
            await this.groups.saveLastPoint(partner.id, g.groupId, new Date(newest.minuteMs), newest.valueKwh, tx);
          }
          const unsent = await this.points.unsent(tx, partner.id, g.groupId);
          if (unsent.length === 0) return false;
          const items = summarisePoints(unsent, this.config.OSCP_MEASUREMENT_MAX_ITEMS).map((p) => energyItem(p.valueKwh, p.minute));
          const { id } = await this.outbound.enqueue(tx, {
            partnerId: partner.id,
            action: 'update_group_measurements',
            body: { group_id: g.groupId, measurements: items },
            context: { groupId: g.groupId, points: unsent.length },
            // A minute later the next message carries whatever this one could not deliver.
            maxAttempts: 2,
          });
          await this.points.assign(tx, partner.id, g.groupId, unsent[unsent.length - 1].minute, id);
          if (unsent.length > 1) this.logger.info({ groupId: g.groupId, points: unsent.length, items: items.length }, 'measurement catch-up');
          return true;
        });
        if (queued) sent++;
      }
    }
    if (sent > 0) this.dispatcher.kick();
    return sent;
  }
}
