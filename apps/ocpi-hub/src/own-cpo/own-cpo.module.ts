import { Module } from '@nestjs/common';
import { ObjectsModule } from '../objects/objects.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AuthorizeResponder } from './authorize.responder.js';
import { ConnectorStatusConsumer } from './connector-status.consumer.js';
import { OwnLocationsController } from './own-locations.controller.js';
import { OwnLocationsService } from './own-locations.service.js';
import { OwnPartyService } from './own-party.service.js';
import { OwnSessionsService } from './own-sessions.service.js';
import { OwnDeliveryService } from './own-delivery.service.js';
import { OwnEarlyStopsRepository } from './own-early-stops.repository.js';
import { OwnSettlementService } from './own-settlement.service.js';
import { OwnTariffsController } from './own-tariffs.controller.js';
import { OwnTariffsService } from './own-tariffs.service.js';
import { TransactionsConsumer } from './transactions.consumer.js';

/**
 * The platform's own CPO party: its Locations (EVSE statuses from `ocpp.connector.status`) and
 * Tariffs, roaming Sessions and CDRs from `ocpp.transaction.*`/`ocpp.meter.sampled`, and real-time
 * authorisation for the ocpp service over the bus.
 */
@Module({
  imports: [TokensModule, ObjectsModule],
  controllers: [OwnLocationsController, OwnTariffsController],
  providers: [OwnPartyService, AuthorizeResponder, OwnLocationsService, ConnectorStatusConsumer, OwnSessionsService, OwnSettlementService, OwnEarlyStopsRepository, OwnDeliveryService, OwnTariffsService, TransactionsConsumer],
  exports: [OwnPartyService, OwnLocationsService],
})
export class OwnCpoModule {}
