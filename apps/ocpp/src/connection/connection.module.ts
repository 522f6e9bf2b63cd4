import { Module } from '@nestjs/common';
import { APP_CONFIG, REDIS, ROOT_LOGGER } from '@cpo/platform';
import { CommandExecutor } from '../commands/command-executor.js';
import { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { RedisKeys } from '../redis-keys.js';
import { SharedPasswordMemory, VERIFIED_KEY_MEMORY } from '../stations/shared-password-memory.js';
import { StationKeysRepository } from '../stations/station-keys.repository.js';
import { StationRepository } from '../stations/station.repository.js';
import { CommandDrain } from './command-drain.js';
import { ConnectionEvents } from './connection-events.js';
import { Ocpp16Dispatcher } from './ocpp16-dispatcher.js';
import { OcppGateway } from './ocpp-gateway.js';
import { PresenceStore } from './presence-store.js';
import { ReplicaLiveness } from './replica-liveness.js';
import { SessionRecheck } from './session-recheck.js';
import { SessionRecheckRepository } from './session-recheck.repository.js';
import { SessionRegistry } from './session-registry.js';
import { StationChanges } from './station-changes.js';
import { StationCommands } from './station-commands.js';
import { StationLifecycle } from './station-lifecycle.js';

/** Station keys verified by any replica (Redis); off without OCPP_AUTH_MEMORY_SECRET. */
const verifiedKeyMemory = { provide: VERIFIED_KEY_MEMORY, inject: [RedisKeys, REDIS, APP_CONFIG, ROOT_LOGGER], useFactory: SharedPasswordMemory.fromConfig };

/** The charger endpoint and what every feature plugs into: the dispatcher, the command executor, lifecycle hooks. */
@Module({
  providers: [OcppMetrics, Ocpp16Dispatcher, StationLifecycle, SessionRegistry, StationCommands, PresenceStore, CommandDrain, CommandExecutor, ConnectionEvents, OcppGateway, RedisKeys, StationRepository, StationKeysRepository, StationChanges, SessionRecheckRepository, SessionRecheck, ReplicaLiveness, verifiedKeyMemory],
  exports: [OcppMetrics, Ocpp16Dispatcher, StationLifecycle, SessionRegistry, StationCommands, CommandDrain, CommandExecutor, RedisKeys, StationRepository, StationKeysRepository, StationChanges],
})
export class ConnectionModule {}
