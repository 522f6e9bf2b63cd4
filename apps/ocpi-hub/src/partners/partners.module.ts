import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { APP_CONFIG } from '@cpo/platform';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import { ConnectionLookup } from '../edge/connection-lookup.js';
import { HubIdentity } from '../edge/hub-identity.js';
import { HubUrls } from '../edge/hub-urls.js';
import { ClientInfoService } from '../hubclientinfo/client-info.service.js';
import { OcpiBodyErrorFilter } from '../edge/ocpi-body-error.filter.js';
import { OcpiAuthGuard } from '../edge/ocpi-auth.guard.js';
import { OcpiExceptionFilter } from '../edge/ocpi-exception.filter.js';
import { AuditRepository } from '../outbound/audit.repository.js';
import { PartnerClient } from '../outbound/partner-client.js';
import { PartnersOperatorController } from './operator.controller.js';
import { PartnersRepository } from './partners.repository.js';
import { PartnersService } from './partners.service.js';
import { TokenVault } from './token-vault.js';

/**
 * Partners and the OCPI edge every feature module uses: connections, agreements, token lookup,
 * the auth guard and error filter, public URLs and the outbound client.
 */
@Global()
@Module({})
export class PartnersModule {
  static forRoot(): DynamicModule {
    const shared = [PartnersRepository, PartnersService, ConnectionLookup, HubUrls, HubIdentity, ClientInfoService, OcpiAuthGuard, OcpiExceptionFilter, AuditRepository, PartnerClient];
    return {
      module: PartnersModule,
      controllers: [PartnersOperatorController],
      providers: [
        { provide: HUB_CONFIG, inject: [APP_CONFIG], useFactory: (c: OcpiHubConfig) => c },
        { provide: TokenVault, inject: [HUB_CONFIG], useFactory: (c: OcpiHubConfig) => new TokenVault(c.OCPI_TOKEN_SECRET) },
        { provide: APP_FILTER, useClass: OcpiBodyErrorFilter },
        ...shared,
      ],
      exports: [HUB_CONFIG, TokenVault, ...shared],
    };
  }
}
