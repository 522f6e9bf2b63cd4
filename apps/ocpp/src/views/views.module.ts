import { Module } from '@nestjs/common';
import { AuthorizationModule } from '../authorization/authorization.module.js';
import { CommandsModule } from '../commands/commands.module.js';
import { ConnectionModule } from '../connection/connection.module.js';
import { ReservationsModule } from '../reservations/reservations.module.js';
import { TransactionsModule } from '../transactions/transactions.module.js';
import { LocalListViewsRepository } from './local-list-views.repository.js';
import { IdTagLocalListsController, StationLocalListController } from './local-lists.controller.js';
import { IdTagsController, ReservationsController, TransactionsController } from './records.controller.js';
import { StationAdminService } from './station-admin.service.js';
import { StationViewsService } from './station-views.service.js';
import { StationsController } from './stations.controller.js';
import { ViewsRepository } from './views.repository.js';

/** The operator API's read models and station administration. */
@Module({
  imports: [ConnectionModule, AuthorizationModule, CommandsModule, ReservationsModule, TransactionsModule],
  controllers: [StationsController, TransactionsController, IdTagsController, ReservationsController, IdTagLocalListsController, StationLocalListController],
  providers: [ViewsRepository, StationAdminService, StationViewsService, LocalListViewsRepository],
})
export class ViewsModule {}
