import { Module } from '@nestjs/common';
import { APP_CONFIG } from '@cpo/platform';
import type { OcppConfig } from '../config.js';
import { ConnectionModule } from '../connection/connection.module.js';
import { PersistenceModule } from '../persistence/persistence.module.js';
import { ReservationsModule } from '../reservations/reservations.module.js';
import { AuthorizationKeyRotation } from './authorization-key-rotation.js';
import { AvailabilityReapply } from './availability-reapply.js';
import { AvailabilityEffects } from './availability.effects.js';
import { AvailabilityRepository } from './availability.repository.js';
import { BootTriggers } from './boot-triggers.js';
import { CERTIFICATE_AUTHORITY, ChargerCertificateAuthority } from './certificate-authority.js';
import { ConfigurationEffects } from './configuration.effects.js';
import { ConnectorNotices } from './connector-notices.js';
import { FirmwareReread } from './firmware-reread.js';
import { Onboarding } from './onboarding.js';
import { ReplacedUnitReapply } from './replaced-unit-reapply.js';
import { SecurityHandlers } from './security.handlers.js';
import { StationHandlers } from './station.handlers.js';
import { StationConfigurationRepository } from './station-configuration.repository.js';
import { StationService } from './station.service.js';
import { TransferRequestEffects } from './transfer-request.effects.js';
import { TransferRepository } from './transfer.repository.js';

@Module({
  imports: [ConnectionModule, PersistenceModule, ReservationsModule],
  providers: [
    {
      provide: CERTIFICATE_AUTHORITY,
      inject: [APP_CONFIG],
      // Loaded (and checked) at start: a wrong file fails the boot, not a charger's first CSR.
      useFactory: (c: OcppConfig) =>
        c.OCPP_SIGN_CERTIFICATE === 'ca'
          ? ChargerCertificateAuthority.fromFiles(c.OCPP_CA_CERT_FILE!, c.OCPP_CA_KEY_FILE!, { validityDays: c.OCPP_CA_CERT_VALIDITY_DAYS, organization: c.OCPP_CPO_NAME }).catch((err: Error) => {
              throw new Error(`OCPP_CA_CERT_FILE / OCPP_CA_KEY_FILE: ${err.message}`);
            })
          : null,
    },
    StationConfigurationRepository,
    TransferRepository,
    StationService,
    StationHandlers,
    AuthorizationKeyRotation,
    SecurityHandlers,
    ConfigurationEffects,
    TransferRequestEffects,
    AvailabilityRepository,
    AvailabilityEffects,
    AvailabilityReapply,
    ReplacedUnitReapply,
    Onboarding,
    FirmwareReread,
    ConnectorNotices,
    BootTriggers,
  ],
  exports: [StationService, ConnectorNotices],
})
export class StationsModule {}
