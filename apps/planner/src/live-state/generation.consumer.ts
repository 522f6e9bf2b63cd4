import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Streams, Subjects } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { LiveStateRepository } from './live-state.repository.js';

/** Keeps the readings of every configured on-site generation source, for the solar credit. */
@Injectable()
export class GenerationConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly state: LiveStateRepository,
  ) {}

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.RemsMeasurementDecoded>({
      durable: 'planner-generation',
      stream: Streams.REMS,
      filterSubject: Subjects.RemsMeasurementDecoded,
      batchHandler: async (events, tx) => {
        const readings = events
          .map((e) => e.payload)
          .filter((m) => m.powerW !== null)
          .map((m) => ({ transceiverId: m.transceiverId, port: m.port, at: m.measuredAt, powerW: m.powerW as number, fault: m.faults.length > 0 }));
        await this.state.generation(tx, readings);
      },
    });
  }
}
