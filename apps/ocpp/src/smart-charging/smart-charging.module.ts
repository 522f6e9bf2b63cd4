import { Module, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CommandsModule } from '../commands/commands.module.js';
import { ConnectionModule } from '../connection/connection.module.js';
import { OperatorProfilesModule } from '../operator-profiles/operator-profiles.module.js';
import { StationsModule } from '../stations/stations.module.js';
import { TransactionsModule } from '../transactions/transactions.module.js';
import { ChargingProfileRepository } from './charging-profile.repository.js';
import { CheckRetries } from './check-retry.js';
import { ConnectorResplit } from './connector-resplit.js';
import { ConnectorSplits } from './connector-splits.js';
import { LeaseFallback } from './lease-fallback.js';
import { LeaseFallbackRepository } from './lease-fallback.repository.js';
import { LeaseRenewal } from './lease-renewal.js';
import { LimitDispatcher } from './limit-dispatcher.js';
import { OperatorClearEffects } from './operator-clear.effects.js';
import { ProfileOutcomes } from './profile-outcomes.js';
import { ProfileRetry } from './profile-retry.js';
import { ProfileSend } from './profile-send.js';
import { ProfileVerifier } from './profile-verifier.js';
import { RunningTransactionCap } from './running-transaction-cap.js';
import { StartedUnderOlderDefault } from './started-under-older-default.js';
import { StationCaller } from './station-caller.js';
import { StationLimitsConsumer } from './station-limits.consumer.js';
import { TxProfileSend } from './tx-profile-send.js';

@Module({
  imports: [ConnectionModule, CommandsModule, TransactionsModule, StationsModule, OperatorProfilesModule],
  providers: [ChargingProfileRepository, StationCaller, LimitDispatcher, ProfileSend, ProfileOutcomes, LeaseFallback, LeaseFallbackRepository, LeaseRenewal, StationLimitsConsumer, ProfileRetry, ProfileVerifier, TxProfileSend, CheckRetries, RunningTransactionCap, StartedUnderOlderDefault, OperatorClearEffects, ConnectorSplits, ConnectorResplit],
  exports: [ChargingProfileRepository],
})
export class SmartChargingModule implements OnModuleInit {
  constructor(private readonly moduleRef: ModuleRef) {}

  /** Checks asked again run in the station's turn of the passes, like the passes' own (the dispatcher depends on their callers: wired here). */
  onModuleInit(): void {
    const dispatcher = this.moduleRef.get(LimitDispatcher);
    this.moduleRef.get(CheckRetries).runIn(
      (stationId, work) => dispatcher.inTurn(stationId, work),
      (stationId) => dispatcher.dispatch(stationId, { all: false }),
    );
  }
}
