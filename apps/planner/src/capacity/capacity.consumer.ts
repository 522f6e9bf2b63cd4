import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Streams, Subjects, type EventSubject } from '@cpo/contracts';
import { ConsumerHost, type BusEvent } from '@cpo/messaging';
import { ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { ReplanRequests } from '../replan/replan-requests.js';
import { CapacityRepository } from './capacity.repository.js';

/**
 * Stores every capacity forecast the oscp service accepted and re-plans the group once it is
 * committed; an emergency re-plans at once, since its lower limit must be on the chargers by its
 * start. Missed forecasts are recorded for operators (the contract capacity applies meanwhile).
 */
@Injectable()
export class CapacityConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly repository: CapacityRepository,
    private readonly replan: ReplanRequests,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.consumers.register<EventSubject>({
      durable: 'planner-capacity',
      stream: Streams.CAPACITY,
      filterSubject: 'capacity.forecast.>',
      handler: (event, tx) => this.apply(event, tx),
      afterCommit: (events) => {
        for (const event of events) {
          if (event.subject !== Subjects.CapacityForecastReceived) continue;
          const forecast = (event as BusEvent<typeof Subjects.CapacityForecastReceived>).payload;
          this.replan.request(forecast.groupId, `forecast ${forecast.kind} ${forecast.requestId}`, forecast.kind === 'emergency');
        }
      },
    });
  }

  private async apply(event: BusEvent, tx: EntityManager): Promise<void> {
    if (event.subject === Subjects.CapacityForecastReceived) {
      await this.repository.insertForecast(tx, (event as BusEvent<typeof Subjects.CapacityForecastReceived>).payload);
    } else if (event.subject === Subjects.CapacityForecastMissed) {
      const missed = (event as BusEvent<typeof Subjects.CapacityForecastMissed>).payload;
      await this.repository.recordAlert(tx, missed);
      this.logger.warn({ groupId: missed.groupId, kind: missed.kind, date: missed.date }, 'capacity forecast missed; the contract capacity applies');
    }
  }
}
