import { systemClock, type Clock } from '@cpo/oscp-protocol';
import { Module, type DynamicModule } from '@nestjs/common';
import { AdjustController } from './adjust/adjust.controller.js';
import { AdjustRepository } from './adjust/adjust.repository.js';
import { AdjustService } from './adjust/adjust.service.js';
import { ComplianceService } from './adjust/compliance.service.js';
import { AlertRepository } from './alerts/alert.repository.js';
import { AlertsController } from './alerts/alerts.controller.js';
import { AlertsService } from './alerts/alerts.service.js';
import { OSCP_CLOCK } from './clock.js';
import { ForecastRepository } from './forecasts/forecast.repository.js';
import { ForecastsController } from './forecasts/forecasts.controller.js';
import { ForecastsService } from './forecasts/forecasts.service.js';
import { InboundController } from './inbound/inbound.controller.js';
import { InboundRepository } from './inbound/inbound.repository.js';
import { InboundService } from './inbound/inbound.service.js';
import { AuditController } from './outbound/audit.controller.js';
import { OscpHttpClient } from './outbound/http-client.js';
import { OutboundDispatcher } from './outbound/outbound.dispatcher.js';
import { OutboundRepository } from './outbound/outbound.repository.js';
import { MeasurementJob } from './measurements/measurement.job.js';
import { MeasurementRepository } from './measurements/measurement.repository.js';
import { MeterEventsService } from './measurements/meter-events.service.js';
import { PartnerResolver } from './partners/partner-resolver.js';
import { MinuteScheduler } from './scheduler/minute.scheduler.js';
import { GroupRepository } from './partners/group.repository.js';
import { PartnerRepository } from './partners/partner.repository.js';
import { PartnersController } from './partners/partners.controller.js';
import { PartnersService } from './partners/partners.service.js';
import { GroupMembershipConsumer } from './partners/group-membership.consumer.js';

export interface OscpModuleOptions {
  /** The clock every Taipei-day rule reads; tests pass a manual one. */
  clock?: Clock;
}

/**
 * The OSCP Flexibility Provider's features. One module because the features share the partner
 * connection and the outbound queue; each feature keeps its own folder and repository.
 */
@Module({})
export class OscpModule {
  static forRoot(options: OscpModuleOptions = {}): DynamicModule {
    return {
      module: OscpModule,
      controllers: [InboundController, PartnersController, AdjustController, ForecastsController, AuditController, AlertsController],
      providers: [
        { provide: OSCP_CLOCK, useValue: options.clock ?? systemClock },
        PartnerRepository,
        GroupRepository,
        GroupMembershipConsumer,
        InboundRepository,
        ForecastRepository,
        OutboundRepository,
        AdjustRepository,
        OscpHttpClient,
        OutboundDispatcher,
        PartnersService,
        ForecastsService,
        InboundService,
        PartnerResolver,
        AdjustService,
        ComplianceService,
        MeasurementRepository,
        MeterEventsService,
        MeasurementJob,
        AlertRepository,
        AlertsService,
        MinuteScheduler,
      ],
    };
  }
}
